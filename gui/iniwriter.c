/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The line-preserving ini document: see iniwriter.h. */
#include <string.h>

#include "iniwriter.h"
#include "toxtun/ini_lexer.h"

struct IniLine {
	char *text;         /* as written, without the line end */
	const char *eol;    /* "\n", "\r\n" or "" (a last line without one) */
	IniLineKind kind;
	char *error;        /* INVALID: why the daemon refuses it */
	char *section;      /* see ini_line_section() */
	/* PAIR: byte offsets into text; the key is [key_start, key_end), the
	 * value [val_start, val_end). SECTION: the name is [key_start, key_end). */
	gsize key_start, key_end, val_start, val_end;
};

struct IniDoc {
	GPtrArray *lines;   /* of IniLine *, owned */
	const char *eol;    /* for new lines: the first line end of the file */
};

static const char EOL_LF[] = "\n", EOL_CRLF[] = "\r\n", EOL_NONE[] = "";

static void line_free(gpointer p)
{
	IniLine *l = p;

	g_free(l->text);
	g_free(l->section);
	g_free(l->error);
	g_free(l);
}

/* Classify line l (whose section is set by the caller for non-headers) with
 * the daemon's own lexer. */
static void classify(IniLine *l, gboolean first)
{
	struct tt_ini_line tok;

	tt_ini_lex(l->text, strlen(l->text), first, &tok);
	g_clear_pointer(&l->error, g_free);
	l->key_start = tok.name_start;
	l->key_end = tok.name_end;
	l->val_start = tok.value_start;
	l->val_end = tok.value_end;
	switch (tok.kind) {
	case TT_INI_BLANK: l->kind = INI_LINE_BLANK; break;
	case TT_INI_COMMENT: l->kind = INI_LINE_COMMENT; break;
	case TT_INI_SECTION: l->kind = INI_LINE_SECTION; break;
	case TT_INI_PAIR: l->kind = INI_LINE_PAIR; break;
	case TT_INI_INVALID:
		l->kind = INI_LINE_INVALID;
		l->error = g_strdup(tok.error);
		break;
	}
}

/* Recompute every line's section (after a header was added or removed). */
static void assign_sections(IniDoc *doc)
{
	const char *cur = "";

	for (guint i = 0; i < doc->lines->len; i++) {
		IniLine *l = g_ptr_array_index(doc->lines, i);

		g_free(l->section);
		if (l->kind == INI_LINE_SECTION) {
			l->section = g_strndup(l->text + l->key_start, l->key_end - l->key_start);
			cur = l->section;
		} else {
			l->section = g_strdup(cur);
		}
	}
}

static IniLine *line_new(const char *text, gsize len, const char *eol, gboolean first)
{
	IniLine *l = g_new0(IniLine, 1);

	l->text = g_strndup(text, len);
	l->eol = eol;
	classify(l, first);
	return l;
}

IniDoc *ini_doc_new(const char *text, gsize len)
{
	IniDoc *doc = g_new0(IniDoc, 1);
	gsize pos = 0;

	doc->lines = g_ptr_array_new_with_free_func(line_free);
	doc->eol = NULL;
	while (pos < len) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		gsize n = nl ? (gsize)(nl - start) : len - pos;
		const char *eol = EOL_NONE;

		if (nl && n > 0 && start[n - 1] == '\r') {
			n--;
			eol = EOL_CRLF;
		} else if (nl) {
			eol = EOL_LF;
		}
		if (!doc->eol && nl)
			doc->eol = eol;
		g_ptr_array_add(doc->lines, line_new(start, n, eol, pos == 0));
		pos += n + strlen(eol);
	}
	if (!doc->eol)
		doc->eol = EOL_LF;
	assign_sections(doc);
	return doc;
}

IniDoc *ini_doc_copy(const IniDoc *doc)
{
	char *text;
	gsize len;
	IniDoc *copy;

	text = ini_doc_serialize(doc, &len);
	copy = ini_doc_new(text, len);
	g_free(text);
	if (doc->lines->len == 0)
		copy->eol = doc->eol;
	return copy;
}

void ini_doc_free(IniDoc *doc)
{
	if (!doc)
		return;
	g_ptr_array_unref(doc->lines);
	g_free(doc);
}

char *ini_doc_serialize(const IniDoc *doc, gsize *len)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < doc->lines->len; i++) {
		const IniLine *l = g_ptr_array_index(doc->lines, i);

		g_string_append(s, l->text);
		g_string_append(s, l->eol);
	}
	if (len)
		*len = s->len;
	return g_string_free(s, FALSE);
}

guint ini_doc_n_lines(const IniDoc *doc)
{
	return doc->lines->len;
}

IniLine *ini_doc_line(const IniDoc *doc, guint index)
{
	return index < doc->lines->len ? g_ptr_array_index(doc->lines, index) : NULL;
}

int ini_doc_line_index(const IniDoc *doc, const IniLine *line)
{
	guint i;

	return g_ptr_array_find(doc->lines, line, &i) ? (int)i : -1;
}

IniLineKind ini_line_kind(const IniLine *line)
{
	return line->kind;
}

const char *ini_line_section(const IniLine *line)
{
	return line->section;
}

char *ini_line_key(const IniLine *line)
{
	if (line->kind != INI_LINE_PAIR)
		return NULL;
	return g_strndup(line->text + line->key_start, line->key_end - line->key_start);
}

char *ini_line_value(const IniLine *line)
{
	if (line->kind != INI_LINE_PAIR)
		return NULL;
	return g_strndup(line->text + line->val_start, line->val_end - line->val_start);
}

const char *ini_line_text(const IniLine *line)
{
	return line->text;
}

const char *ini_line_error(const IniLine *line)
{
	return line->error;
}

static gboolean key_is(const IniLine *l, const char *key)
{
	gsize n = strlen(key);

	return l->key_end - l->key_start == n && g_ascii_strncasecmp(l->text + l->key_start, key, n) == 0;
}

IniLine *ini_doc_find(const IniDoc *doc, const char *section, const char *key, guint nth)
{
	for (guint i = 0; i < doc->lines->len; i++) {
		IniLine *l = g_ptr_array_index(doc->lines, i);

		if (l->kind == INI_LINE_PAIR && g_ascii_strcasecmp(l->section, section) == 0 &&
		    key_is(l, key) && nth-- == 0)
			return l;
	}
	return NULL;
}

char *ini_doc_get(const IniDoc *doc, const char *section, const char *key)
{
	IniLine *l = ini_doc_find(doc, section, key, 0);

	return l ? ini_line_value(l) : NULL;
}

char **ini_doc_get_all(const IniDoc *doc, const char *section, const char *key)
{
	GPtrArray *out = g_ptr_array_new();
	IniLine *l;

	for (guint n = 0; (l = ini_doc_find(doc, section, key, n)); n++)
		g_ptr_array_add(out, ini_line_value(l));
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

gboolean ini_doc_has_section(const IniDoc *doc, const char *section)
{
	for (guint i = 0; i < doc->lines->len; i++) {
		const IniLine *l = g_ptr_array_index(doc->lines, i);

		if (l->kind == INI_LINE_SECTION && g_ascii_strcasecmp(l->section, section) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Replace text[from, to) of a line with repl. */
static void splice(IniLine *l, gsize from, gsize to, const char *repl)
{
	GString *s = g_string_new_len(l->text, (gssize)from);

	g_string_append(s, repl);
	g_string_append(s, l->text + to);
	g_free(l->text);
	l->text = g_string_free(s, FALSE);
}

void ini_line_set(IniDoc *doc, IniLine *line, const char *key, const char *value)
{
	gboolean first = ini_doc_line_index(doc, line) == 0;

	g_return_if_fail(line->kind == INI_LINE_PAIR);
	if (value) {
		gsize vs = line->val_start, ve = line->val_end;
		char *v = NULL;

		/* An empty value may sit right before what the lexer would then
		 * take as part of it (";x" after "key ="): keep a blank between. */
		if (vs == ve && line->text[ve] && !g_ascii_isspace(line->text[ve]) && *value)
			value = v = g_strconcat(value, " ", NULL);
		/* "key =" had no value: " = " style gets its blank after '='. */
		if (vs == ve && *value && vs >= 2 && line->text[vs - 1] == '=' &&
		    g_ascii_isspace(line->text[vs - 2])) {
			char *w = g_strconcat(" ", value, NULL);

			g_free(v);
			value = v = w;
		}
		splice(line, vs, ve, value);
		g_free(v);
	}
	if (key)
		splice(line, line->key_start, line->key_end, key);
	classify(line, first);
	if (line->kind != INI_LINE_PAIR)
		g_warning("ini line became unparseable after an edit: %s", line->text);
}

void ini_doc_remove(IniDoc *doc, IniLine *line)
{
	gboolean header = line->kind == INI_LINE_SECTION;
	guint i;

	if (!g_ptr_array_find(doc->lines, line, &i))
		return;
	/* The last line has no line end: its predecessor becomes the last one
	 * and keeps its own, which is harmless and keeps the file a text file. */
	g_ptr_array_remove_index(doc->lines, i);
	if (header)
		assign_sections(doc);
}

/* The " = " style of the file: taken from the nearest key line before index
 * (or any key line), reduced to "blank or not" on each side of '='. */
static void separator_style(const IniDoc *doc, guint index, GString *out)
{
	const IniLine *model = NULL;
	gboolean before = TRUE, after = TRUE;

	for (guint i = index; i-- > 0 && !model;) {
		const IniLine *l = g_ptr_array_index(doc->lines, i);

		if (l->kind == INI_LINE_PAIR)
			model = l;
	}
	for (guint i = 0; i < doc->lines->len && !model; i++) {
		const IniLine *l = g_ptr_array_index(doc->lines, i);

		if (l->kind == INI_LINE_PAIR)
			model = l;
	}
	if (model) {
		const char *eq = strchr(model->text + model->key_end, '=');

		before = eq && eq > model->text + model->key_end;
		after = eq && g_ascii_isspace(eq[1]);
	}
	g_string_append(out, before ? " =" : "=");
	if (after)
		g_string_append_c(out, ' ');
}

/* Make sure the line before position index ends with a line end, so that a
 * line inserted there starts on a line of its own. */
static void terminate_before(IniDoc *doc, guint index)
{
	if (index > 0) {
		IniLine *prev = g_ptr_array_index(doc->lines, index - 1);

		if (!*prev->eol)
			prev->eol = doc->eol;
	}
}

static IniLine *insert_text(IniDoc *doc, guint index, const char *text)
{
	IniLine *l = line_new(text, strlen(text), doc->eol, index == 0);

	terminate_before(doc, index);
	/* The new line is last only when appended to a file whose last line had
	 * no line end; giving it one anyway is what any editor does. */
	g_ptr_array_insert(doc->lines, (gint)index, l);
	return l;
}

IniLine *ini_doc_insert(IniDoc *doc, const char *section, const char *key, const char *value)
{
	int after = -1, same_key = -1;
	GString *text;
	IniLine *l;

	/* After the last line of the same key, else after the section's last
	 * key line, else after its header. */
	for (guint i = 0; i < doc->lines->len; i++) {
		const IniLine *c = g_ptr_array_index(doc->lines, i);

		if (g_ascii_strcasecmp(c->section, section) != 0)
			continue;
		if (c->kind == INI_LINE_PAIR) {
			after = (int)i;
			if (key_is(c, key))
				same_key = (int)i;
		} else if (c->kind == INI_LINE_SECTION && after < 0) {
			after = (int)i;
		}
	}
	if (same_key >= 0)
		after = same_key;
	if (after < 0 && *section) {
		guint n = doc->lines->len;
		char *header;

		/* A blank line before a new section, unless the file ends with one
		 * (or is empty). */
		if (n > 0 && ((IniLine *)g_ptr_array_index(doc->lines, n - 1))->kind != INI_LINE_BLANK)
			insert_text(doc, n++, "");
		header = g_strdup_printf("[%s]", section);
		insert_text(doc, n, header);
		g_free(header);
		assign_sections(doc);
		after = (int)n;
	}
	text = g_string_new(key);
	separator_style(doc, (guint)(after + 1), text);
	g_string_append(text, value);
	l = insert_text(doc, (guint)(after + 1), text->str);
	g_string_free(text, TRUE);
	l->section = g_strdup(section);
	return l;
}

IniLine *ini_doc_set(IniDoc *doc, const char *section, const char *key, const char *value)
{
	IniLine *l = ini_doc_find(doc, section, key, 0);

	if (!l)
		return ini_doc_insert(doc, section, key, value);
	ini_line_set(doc, l, NULL, value);
	return l;
}
