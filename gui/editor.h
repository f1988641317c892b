/* The config editor page of the window: the server's name, its permit and
 * allow lists, the client tunnels as a table. Saving validates the whole
 * file with the daemon's loader, writes it line-preservingly (confedit.h)
 * and asks the daemon to reload; every error is shown next to what it is
 * about. */
#ifndef TOXTUN_GUI_EDITOR_H
#define TOXTUN_GUI_EDITOR_H

#include <gtk/gtk.h>

#include "daemon.h"

typedef struct TtEditor TtEditor;

TtEditor *tt_editor_new(void);
void tt_editor_free(TtEditor *e);
GtkWidget *tt_editor_widget(TtEditor *e);
/* Show d's file (re-read from disk). NULL: nothing. */
void tt_editor_load(TtEditor *e, TtDaemon *d);
/* The daemon shown is going away. */
void tt_editor_forget(TtEditor *e, TtDaemon *d);

#endif
