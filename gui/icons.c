/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Our icons: see icons.h. */
#include "icons.h"
#include "paths.h"

static char *root;

static const char *const names[TRAY_N_STATES] = {
	[TRAY_STATE_STOPPED] = "toxtun-stopped",
	[TRAY_STATE_CONNECTED] = "toxtun-connected",
	[TRAY_STATE_RELAY] = "toxtun-relay",
	[TRAY_STATE_CONNECTING] = "toxtun-connecting",
	[TRAY_STATE_ERROR] = "toxtun-error",
};

const char *tray_icons_init(void)
{
	if (!root) {
		root = tray_icon_root();
		gtk_icon_theme_append_search_path(gtk_icon_theme_get_default(), root);
	}
	return root;
}

const char *tray_icons_root(void)
{
	return tray_icons_init();
}

const char *tray_icon_name(TrayState s)
{
	return s < TRAY_N_STATES ? names[s] : names[TRAY_STATE_ERROR];
}

GtkWidget *tray_icon_image(TrayState s, int px)
{
	GtkWidget *img = gtk_image_new_from_icon_name(tray_icon_name(s), GTK_ICON_SIZE_BUTTON);

	gtk_image_set_pixel_size(GTK_IMAGE(img), px);
	return img;
}
