/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Small widget helpers shared by the window's pages: headings, hints,
 * messages under fields, a question with two answers. */
#ifndef TOXTUN_GUI_WIDGETS_H
#define TOXTUN_GUI_WIDGETS_H

#include <gtk/gtk.h>

/* A bold heading; scale 1.0 for section titles, larger for page titles. */
GtkWidget *tray_heading(const char *text, double scale);
/* A wrapped, left-aligned, dimmed explanation. */
GtkWidget *tray_hint(const char *text);
/* A message under a field: hidden while empty; red for errors. */
GtkWidget *tray_message_label(void);
void tray_message_set(GtkWidget *label, const char *text, gboolean error);
/* A label with a mnemonic for widget, left-aligned. */
GtkWidget *tray_field_label(const char *mnemonic, GtkWidget *widget);
/* Ask a yes/no question; TRUE when the answer is yes (its button says yes_label). */
gboolean tray_ask(GtkWindow *parent, const char *question, const char *detail, const char *yes_label);
/* The window a widget is in, or NULL. */
GtkWindow *tray_toplevel(GtkWidget *w);

#endif
