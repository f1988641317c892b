/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The QR code: see qr.h. */
#include <qrencode.h>

#include "qr.h"

#define KEY "tt-qr-code"
#define QUIET 4 /* modules of white border the standard asks for */

static gboolean draw(GtkWidget *w, cairo_t *cr, gpointer data)
{
	QRcode *qr = g_object_get_data(G_OBJECT(w), KEY);
	int width = gtk_widget_get_allocated_width(w), height = gtk_widget_get_allocated_height(w);
	int side = MIN(width, height), n, px, x0, y0;

	if (!qr)
		return FALSE;
	n = qr->width + 2 * QUIET;
	px = side / n;
	if (px < 1)
		px = 1;
	x0 = (width - px * n) / 2;
	y0 = (height - px * n) / 2;
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, x0, y0, px * n, px * n);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	for (int y = 0; y < qr->width; y++) {
		for (int x = 0; x < qr->width; x++) {
			if (qr->data[y * qr->width + x] & 1)
				cairo_rectangle(cr, x0 + (x + QUIET) * px, y0 + (y + QUIET) * px, px, px);
		}
	}
	cairo_fill(cr);
	return FALSE;
}

GtkWidget *tray_qr_new(void)
{
	GtkWidget *w = gtk_drawing_area_new();

	gtk_widget_set_size_request(w, 200, 200);
	g_signal_connect(w, "draw", G_CALLBACK(draw), NULL);
	return w;
}

static void qr_free(gpointer p)
{
	QRcode_free(p);
}

void tray_qr_set_text(GtkWidget *w, const char *text)
{
	QRcode *qr = text && *text ? QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) : NULL;

	g_object_set_data_full(G_OBJECT(w), KEY, qr, qr ? qr_free : NULL);
	gtk_widget_queue_draw(w);
}
