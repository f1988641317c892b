/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A small rate graph: a tunnel's up and down rates over the last minutes,
 * drawn with cairo. */
#ifndef TOXTUN_GUI_GRAPH_H
#define TOXTUN_GUI_GRAPH_H

#include <gtk/gtk.h>

GtkWidget *tray_graph_new(void);
/* samples: TraySample, oldest first (copied); span: seconds shown. */
void tray_graph_set(GtkWidget *graph, const GArray *samples, double span);

#endif
