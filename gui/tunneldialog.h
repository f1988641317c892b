/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The dialog that adds or edits one client tunnel. Each field is checked
 * with the daemon's parsers when OK is pressed, and the errors are shown
 * under the fields they concern; the dialog stays open until the line is
 * valid or the user cancels. */
#ifndef TOXTUN_GUI_TUNNELDIALOG_H
#define TOXTUN_GUI_TUNNELDIALOG_H

#include <gtk/gtk.h>

#include "validate.h"

/* fields: TF_COUNT strings to start with (NULL entries: empty). On OK
 * returns TRUE, *name and *value (newly allocated) are the line to write. */
gboolean tray_tunnel_dialog_run(GtkWindow *parent, const char *title, char *const *fields, char **name,
                                char **value);

#endif
