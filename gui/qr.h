/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A QR code of a text (the Tox ID), drawn with cairo from libqrencode. */
#ifndef TOXTUN_GUI_QR_H
#define TOXTUN_GUI_QR_H

#include <gtk/gtk.h>

GtkWidget *tray_qr_new(void);
void tray_qr_set_text(GtkWidget *qr, const char *text);

#endif
