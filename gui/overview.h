/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window's overview tab: what one file does for a person, in words.
 * For a server: its state, the Tox ID to give away (copy button, QR code)
 * and the computers asking to connect, each with Allow and Deny. For a
 * client: how far it has come (looking for the computer, waiting for
 * approval, connected directly or through a relay) and how to use each
 * tunnel: the ssh command, the proxy settings and a browser that uses them.
 */
#ifndef TOXTUN_GUI_OVERVIEW_H
#define TOXTUN_GUI_OVERVIEW_H

#include <gtk/gtk.h>

#include "service.h"

typedef struct TrayOverview TrayOverview;

TrayOverview *tray_overview_new(void);
void tray_overview_free(TrayOverview *o);
GtkWidget *tray_overview_widget(TrayOverview *o);

/* Show d (NULL: nothing), or refresh it from its latest state. */
void tray_overview_show(TrayOverview *o, TrayService *d);

/* Allow or deny a request of d, as its buttons do; the answer (or the
 * daemon's error) is shown while d is. */
void tray_overview_answer(TrayOverview *o, TrayService *d, const char *public_key, gboolean allow);

#endif
