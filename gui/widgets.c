/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Widget helpers: see widgets.h. */
#include "widgets.h"

GtkWidget *tray_heading(const char *text, double scale)
{
	GtkWidget *l = gtk_label_new(NULL);
	char *m = g_markup_printf_escaped("<span size='%d' weight='bold'>%s</span>", (int)(scale * 10240), text);

	gtk_label_set_markup(GTK_LABEL(l), m);
	gtk_label_set_xalign(GTK_LABEL(l), 0);
	gtk_label_set_line_wrap(GTK_LABEL(l), TRUE);
	g_free(m);
	return l;
}

GtkWidget *tray_hint(const char *text)
{
	GtkWidget *l = gtk_label_new(text);

	gtk_label_set_xalign(GTK_LABEL(l), 0);
	gtk_label_set_line_wrap(GTK_LABEL(l), TRUE);
	gtk_style_context_add_class(gtk_widget_get_style_context(l), "dim-label");
	return l;
}

GtkWidget *tray_message_label(void)
{
	GtkWidget *l = gtk_label_new(NULL);

	gtk_label_set_xalign(GTK_LABEL(l), 0);
	gtk_label_set_line_wrap(GTK_LABEL(l), TRUE);
	gtk_label_set_selectable(GTK_LABEL(l), TRUE);
	gtk_widget_set_no_show_all(l, TRUE);
	return l;
}

void tray_message_set(GtkWidget *label, const char *text, gboolean error)
{
	GtkStyleContext *sc = gtk_widget_get_style_context(label);

	gtk_label_set_text(GTK_LABEL(label), text ? text : "");
	if (error) {
		gtk_style_context_add_class(sc, "error");
		gtk_style_context_remove_class(sc, "dim-label");
	} else {
		gtk_style_context_remove_class(sc, "error");
		gtk_style_context_add_class(sc, "dim-label");
	}
	gtk_widget_set_visible(label, text && *text);
}

GtkWidget *tray_field_label(const char *mnemonic, GtkWidget *widget)
{
	GtkWidget *l = gtk_label_new_with_mnemonic(mnemonic);

	gtk_label_set_mnemonic_widget(GTK_LABEL(l), widget);
	gtk_label_set_xalign(GTK_LABEL(l), 0);
	return l;
}

gboolean tray_ask(GtkWindow *parent, const char *question, const char *detail, const char *yes_label)
{
	GtkWidget *d = gtk_message_dialog_new(parent, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
	                                      GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "%s", question);
	int answer;

	if (detail)
		gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(d), "%s", detail);
	gtk_dialog_add_buttons(GTK_DIALOG(d), "_Cancel", GTK_RESPONSE_CANCEL, yes_label, GTK_RESPONSE_YES, NULL);
	gtk_dialog_set_default_response(GTK_DIALOG(d), GTK_RESPONSE_CANCEL);
	answer = gtk_dialog_run(GTK_DIALOG(d));
	gtk_widget_destroy(d);
	return answer == GTK_RESPONSE_YES;
}

GtkWindow *tray_toplevel(GtkWidget *w)
{
	GtkWidget *t = gtk_widget_get_toplevel(w);

	return GTK_IS_WINDOW(t) ? GTK_WINDOW(t) : NULL;
}
