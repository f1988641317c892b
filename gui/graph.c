/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rate graph: see graph.h. */
#include <math.h>

#include "format.h"
#include "graph.h"
#include "model.h"

#define KEY "tt-graph-samples"
#define SPAN_KEY "tt-graph-span"

/* Up and down in two colours people tell apart (also without red/green). */
static const double up_rgb[3] = { 0.11, 0.45, 0.91 };
static const double down_rgb[3] = { 0.93, 0.55, 0.05 };

/* A round number at or above v, for the scale: 1, 2, 5 × 10^n. */
static double nice_ceiling(double v)
{
	double p;

	if (v <= 1000)
		return 1000; /* at least 1 kB/s, so that idle noise stays flat */
	p = pow(10, floor(log10(v)));
	if (v <= p)
		return p;
	if (v <= 2 * p)
		return 2 * p;
	if (v <= 5 * p)
		return 5 * p;
	return 10 * p;
}

static void plot(cairo_t *cr, const GArray *a, double now, double span, double max, double w, double h,
                 gboolean up, const double rgb[3])
{
	gboolean first = TRUE;

	for (guint i = 0; i < a->len; i++) {
		const TraySample *s = &g_array_index(a, TraySample, i);
		double x = w - (now - s->t) / span * w;
		double y = h - (up ? s->up : s->down) / max * (h - 2) - 1;

		if (first)
			cairo_move_to(cr, x, y);
		else
			cairo_line_to(cr, x, y);
		first = FALSE;
	}
	cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
	cairo_set_line_width(cr, 1.5);
	cairo_stroke(cr);
}

static gboolean draw(GtkWidget *w, cairo_t *cr, gpointer data)
{
	const GArray *a = g_object_get_data(G_OBJECT(w), KEY);
	double *span = g_object_get_data(G_OBJECT(w), SPAN_KEY);
	double width = gtk_widget_get_allocated_width(w), height = gtk_widget_get_allocated_height(w);
	double max = 0, now;
	char *label, *scale;
	PangoLayout *layout;

	cairo_set_source_rgb(cr, 0.97, 0.97, 0.97);
	cairo_rectangle(cr, 0, 0, width, height);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
	cairo_set_line_width(cr, 1);
	for (int i = 1; i < 4; i++) {
		cairo_move_to(cr, 0, floor(height * i / 4) + 0.5);
		cairo_line_to(cr, width, floor(height * i / 4) + 0.5);
	}
	cairo_stroke(cr);
	cairo_rectangle(cr, 0.5, 0.5, width - 1, height - 1);
	cairo_stroke(cr);
	if (!a || !a->len || !span)
		return FALSE;
	for (guint i = 0; i < a->len; i++) {
		const TraySample *s = &g_array_index(a, TraySample, i);

		max = fmax(max, fmax(s->up, s->down));
	}
	max = nice_ceiling(max);
	now = g_array_index(a, TraySample, a->len - 1).t;
	plot(cr, a, now, *span, max, width, height, FALSE, down_rgb);
	plot(cr, a, now, *span, max, width, height, TRUE, up_rgb);

	scale = tray_format_rate(max);
	label = g_strdup_printf("%s · last %.0f min", scale, *span / 60);
	layout = gtk_widget_create_pango_layout(w, label);
	cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
	cairo_move_to(cr, 4, 2);
	pango_cairo_show_layout(cr, layout);
	g_object_unref(layout);
	g_free(label);
	g_free(scale);
	return FALSE;
}

GtkWidget *tray_graph_new(void)
{
	GtkWidget *w = gtk_drawing_area_new();

	gtk_widget_set_size_request(w, 240, 56);
	g_signal_connect(w, "draw", G_CALLBACK(draw), NULL);
	return w;
}

static void array_unref(gpointer p)
{
	g_array_unref(p);
}

void tray_graph_set(GtkWidget *graph, const GArray *samples, double span)
{
	GArray *copy = g_array_sized_new(FALSE, FALSE, sizeof(TraySample), samples ? samples->len : 0);
	double *s = g_new(double, 1);

	if (samples)
		g_array_append_vals(copy, samples->data, samples->len);
	*s = span;
	g_object_set_data_full(G_OBJECT(graph), KEY, copy, array_unref);
	g_object_set_data_full(G_OBJECT(graph), SPAN_KEY, s, g_free);
	gtk_widget_queue_draw(graph);
}
