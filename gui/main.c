/* SPDX-License-Identifier: GPL-3.0-or-later */
/* toxtun-tray: the tray icon of toxtun. See app.h and README.md. */
#include "app.h"

int main(int argc, char **argv)
{
	GtkApplication *app = tray_app_new();
	int status = g_application_run(G_APPLICATION(app), argc, argv);

	g_object_unref(app);
	return status;
}
