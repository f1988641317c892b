/* Our icons: see icons.h. */
#include "icons.h"
#include "paths.h"

static char *root;

static const char *const names[TT_N_STATES] = {
	[TT_STATE_STOPPED] = "toxtun-stopped",
	[TT_STATE_CONNECTED] = "toxtun-connected",
	[TT_STATE_RELAY] = "toxtun-relay",
	[TT_STATE_CONNECTING] = "toxtun-connecting",
	[TT_STATE_ERROR] = "toxtun-error",
};

const char *tt_icons_init(void)
{
	if (!root) {
		root = tt_icon_root();
		gtk_icon_theme_append_search_path(gtk_icon_theme_get_default(), root);
	}
	return root;
}

const char *tt_icons_root(void)
{
	return tt_icons_init();
}

const char *tt_icon_name(TtState s)
{
	return s < TT_N_STATES ? names[s] : names[TT_STATE_ERROR];
}

GtkWidget *tt_icon_image(TtState s, int px)
{
	GtkWidget *img = gtk_image_new_from_icon_name(tt_icon_name(s), GTK_ICON_SIZE_BUTTON);

	gtk_image_set_pixel_size(GTK_IMAGE(img), px);
	return img;
}
