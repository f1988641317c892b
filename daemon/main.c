/* tunnel: forward TCP ports between two machines through the Tox network. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/daemon.h"
#include "tox/toxnode.h"
#include "toxtun/config.h"
#include "toxtun/log.h"
#include "toxtun/version.h"

#define EXIT_USAGE 2

static void usage(FILE *out)
{
	fputs("Usage: tunnel [OPTIONS] COMMAND FILE.ini\n"
	      "\n"
	      "Forward TCP ports between two machines through the Tox network.\n"
	      "\n"
	      "Commands:\n"
	      "  server FILE.ini   serve tunnels: dial the destinations clients ask for\n"
	      "  client FILE.ini   listen on every [client] line and forward through the server\n"
	      "  run FILE.ini      both roles on one Tox identity\n"
	      "  id FILE.ini       print this node's Tox ID (creating the identity if needed)\n"
	      "\n"
	      "Options:\n"
	      "  -v, --verbose     more log output (debug)\n"
	      "  -q, --quiet       only warnings and errors\n"
	      "  -h, --help        this help\n"
	      "  -V, --version     the version\n"
	      "\n"
	      "Exit status: 0 after a clean stop, 1 on a runtime error, 2 on a bad\n"
	      "command line or configuration file. See tunnel(1).\n", out);
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
		{ NULL, 0, NULL, 0 },
	};
	struct tt_config *cfg = NULL;
	const char *cmd, *file;
	char err[1024];
	unsigned roles;
	int c, status;

	while ((c = getopt_long(argc, argv, "vqhV", opts, NULL)) != -1) {
		switch (c) {
		case 'v': tt_log_set_level(TT_LOG_DEBUG); break;
		case 'q': tt_log_set_level(TT_LOG_WARN); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("tunnel (toxtun) %s\n", TOXTUN_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	file = argv[optind + 1];
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
	if (!tt_config_load(file, &cfg, err, sizeof(err))) {
		fprintf(stderr, "tunnel: %s\n", err);
		return EXIT_USAGE;
	}
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
	status = roles ? daemon_run(cfg, roles) : print_id(cfg);
	tt_config_free(cfg);
	return status;
}
