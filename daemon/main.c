/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tunnel: forward TCP ports between two machines through the Tox network. */
#include <getopt.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ctl.h"
#include "cli/pipe.h"
#include "control/control.h"
#include "core/daemon.h"
#include "tox/toxnode.h"
#include "toxtun/config.h"
#include "toxtun/log.h"
#include "toxtun/version.h"

#define EXIT_USAGE 2

static void usage(FILE *out)
{
	fputs("Usage: tunnel [OPTIONS] COMMAND FILE.ini [KEY]\n"
	      "\n"
	      "Forward TCP ports between two machines through the Tox network.\n"
	      "\n"
	      "Commands:\n"
	      "  server FILE.ini   serve tunnels: dial the destinations clients ask for\n"
	      "  client FILE.ini   listen on every [client] line and forward through the server\n"
	      "  run FILE.ini      both roles on one Tox identity\n"
	      "  id FILE.ini       print this node's Tox ID (creating the identity if needed)\n"
	      "  status FILE.ini   show a running daemon's peers, tunnels and rates\n"
	      "  reload FILE.ini   make a running daemon re-read its ini file\n"
	      "  stop FILE.ini     stop a running daemon\n"
	      "  pipe FILE.ini HOST:PORT\n"
	      "                    join stdin and stdout to HOST:PORT as the server sees it,\n"
	      "                    through the running client daemon (ssh's ProxyCommand)\n"
	      "  allow FILE.ini KEY\n"
	      "                    let a client in: add 'allow = KEY' to the server's file\n"
	      "                    and accept its friend request (KEY: its public key or\n"
	      "                    Tox ID); without a running daemon, only the file changes\n"
	      "  deny FILE.ini KEY\n"
	      "                    forget a client's friend request waiting for approval\n"
	      "\n"
	      "Options:\n"
	      "  -v, --verbose     more log output (debug)\n"
	      "  -q, --quiet       only warnings and errors\n"
	      "  -h, --help        this help\n"
	      "  -V, --version     the version\n"
	      "      --json        status/reload: print the daemon's JSON reply\n"
	      "      --watch       status: refresh every second\n"
	      "      --socket PATH status/reload/stop/allow/deny/pipe: the control socket to use\n"
	      "      --via LINE    pipe: the [client] line whose server carries it\n"
	      "\n"
	      "Exit status: 0 after a clean stop, 1 on a runtime error, 2 on a bad\n"
	      "command line or configuration file. See tunnel(1).\n", out);
}

static bool is_control_command(const char *cmd)
{
	return strcmp(cmd, "status") == 0 || strcmp(cmd, "reload") == 0 || strcmp(cmd, "stop") == 0;
}

/* A file that does not load: "tunnel: PATH:LINE: message" (scripts and
 * tests read it). */
static int config_error(const char *file, const struct tt_error *error)
{
	char msg[4096 + TT_ERROR_MAX];

	tt_error_format(error, file, msg, sizeof(msg));
	fprintf(stderr, "tunnel: %s\n", msg);
	return EXIT_USAGE;
}

static bool is_approve_command(const char *cmd)
{
	return strcmp(cmd, "allow") == 0 || strcmp(cmd, "deny") == 0;
}

/* `tunnel allow|deny FILE.ini KEY`: the key is checked before anything
 * else, so that a typo costs one clear line. */
static int approve(const char *cmd, const char *file, const char *key, const char *socket_path)
{
	uint8_t pk[TT_PUBKEY_SIZE];
	struct tt_config *cfg;
	struct tt_error error;
	char err[512];
	int status;

	if (!cli_parse_key(key, pk, err, sizeof(err))) {
		fprintf(stderr, "tunnel: %s\n", err);
		return EXIT_USAGE;
	}
	if (!tt_config_load(file, &cfg, &error))
		return config_error(file, &error);
	status = cli_approve(cmd, cfg, socket_path, pk);
	tt_config_free(cfg);
	return status;
}

static int print_id(struct tt_config *cfg)
{
	char err[512], hex[2 * TT_TOX_ID_SIZE + 1];
	uint8_t id[TT_TOX_ID_SIZE];
	struct toxnode *node = toxnode_new(cfg, true, err, sizeof(err));

	if (!node) {
		fprintf(stderr, "tunnel: %s\n", err);
		return 1;
	}
	toxnode_address(node, id);
	tt_toxid_format(id, hex);
	printf("%s\n", hex);
	toxnode_free(node);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "json", no_argument, NULL, 'j' },
		{ "watch", no_argument, NULL, 'w' },
		{ "socket", required_argument, NULL, 's' },
		{ "via", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *socket_path = NULL, *via = NULL;
	bool json = false, watch = false;
	struct tt_config *cfg = NULL;
	struct tt_error error;
	const char *cmd, *file;
	unsigned roles;
	int c, status;

	while ((c = getopt_long(argc, argv, "vqhV", opts, NULL)) != -1) {
		switch (c) {
		case 'v': tt_log_set_level(TT_LOG_DEBUG); break;
		case 'q': tt_log_set_level(TT_LOG_WARN); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("tunnel (toxtun) %s\n", TOXTUN_VERSION); return 0;
		case 'j': json = true; break;
		case 'w': watch = true; break;
		case 's': socket_path = optarg; break;
		case 'P': via = optarg; break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	cmd = optind < argc ? argv[optind] : "";
	if (is_control_command(cmd) && socket_path && argc - optind == 1) {
		if (watch && strcmp(cmd, "status") != 0) {
			usage(stderr);
			return EXIT_USAGE;
		}
		return cli_control(cmd, NULL, socket_path, json, watch);
	}
	if (strcmp(cmd, "pipe") == 0) {
		if (argc - optind != 3) {
			usage(stderr);
			return EXIT_USAGE;
		}
		file = argv[optind + 1];
		if (!tt_config_load(file, &cfg, &error))
			return config_error(file, &error);
		status = cli_pipe(cfg, socket_path, argv[optind + 2], via);
		tt_config_free(cfg);
		return status;
	}
	if (is_approve_command(cmd) && !json && !watch) {
		if (argc - optind != 3) {
			fprintf(stderr, "tunnel: usage: tunnel %s [--socket PATH] FILE.ini KEY\n", cmd);
			return EXIT_USAGE;
		}
		return approve(cmd, argv[optind + 1], argv[optind + 2], socket_path);
	}
	if (argc - optind != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	file = argv[optind + 1];
	if (is_control_command(cmd)) {
		if (!tt_config_load(file, &cfg, &error))
			return config_error(file, &error);
		status = cli_control(cmd, cfg, socket_path, json, watch);
		tt_config_free(cfg);
		return status;
	}
	if (strcmp(cmd, "server") == 0)
		roles = ROLE_SERVER;
	else if (strcmp(cmd, "client") == 0)
		roles = ROLE_CLIENT;
	else if (strcmp(cmd, "run") == 0)
		roles = ROLE_SERVER | ROLE_CLIENT;
	else if (strcmp(cmd, "id") == 0)
		roles = 0;
	else {
		fprintf(stderr, "tunnel: unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!tt_config_load(file, &cfg, &error))
		return config_error(file, &error);
	if ((roles & ROLE_CLIENT) && roles != (ROLE_SERVER | ROLE_CLIENT) && cfg->n_tunnels == 0) {
		fprintf(stderr, "tunnel: %s: no [client] tunnel lines to run\n", file);
		tt_config_free(cfg);
		return EXIT_USAGE;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "tunnel: libsodium failed to initialise\n");
		tt_config_free(cfg);
		return 1;
	}
	if (roles) {
		struct control *control = NULL;

		return daemon_run(cfg, roles, &control_hooks, &control); /* takes cfg */
	}
	status = print_id(cfg);
	tt_config_free(cfg);
	return status;
}
