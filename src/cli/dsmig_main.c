/*
 * dsmig: the operator's console and command line.
 *   dsmig [console] [--theme T] [--hosts FILE] [--record FILE] [--clients FILE] [--ascii]
 *   dsmig replay FILE [--speed N] [--theme T] [--ascii] [--cast OUT [--cast-size WxH]]
 *   dsmig migrate VM --to HOST [options]       (dsmig migrate --help)
 *   dsmig predict VM --to HOST [options] [--json]   (what each method would cost)
 *   dsmig top -b [-n N] [-d SECONDS]
 *   dsmig report FILE [--out DIR] [--no-png] [--data]
 *   dsmig report --compare FILE FILE... [--out DIR]
 *   dsmig record VM --to HOST [options]        (a session without a screen)
 *   dsmig lab up|down|status|exec|check|env ...  (dsmig lab --help)
 *   dsmig webclient --target ADDR[:PORT] [options]  (HTTP load, logged)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cast.h"
#include "cli/cli.h"
#include "common/log.h"
#include "ui/console.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dsmig [console] [--theme NAME|FILE] [--hosts FILE] [--record FILE] [--ascii]\n"
		"                    [--clients FILE]   (follow a dsmig webclient --out FILE: the\n"
		"                    clients' longest gap goes on the summary card)\n"
		"       dsmig replay FILE [--speed N] [--theme NAME|FILE] [--ascii]\n"
		"                    [--cast OUT [--cast-size WxH]]   (an asciicast v2 file, 120x40)\n"
		"       dsmig migrate VM --to HOST [options]   (dsmig migrate --help)\n"
		"       dsmig predict VM --to HOST [options of migrate] [--json]\n"
		"       dsmig top -b [-n N] [-d SECONDS] [--hosts FILE]\n"
		"       dsmig report FILE [--out DIR] [--no-png] [--data]\n"
		"       dsmig report --compare FILE FILE... [--out DIR]\n"
		"       dsmig record VM --to HOST [options]   (dsmig record --help)\n"
		"       dsmig lab up|down|status|exec|check|env ...   (dsmig lab --help)\n"
		"       dsmig wire [--net IFACE|CIDR|any] [--ports FIRST-LAST]   (the wire probe,\n"
		"                  run on a source host over ssh by the console)\n"
		"       dsmig webclient --target ADDR[:PORT] [--conns N] [--rate R] [--duration S]\n"
		"                  [--path PATH]... [--out FILE]   (dsmig webclient --help)\n"
		"Themes: default, light, monochrome (themes/*.theme). NO_COLOR is honoured.\n");
}

/* --cast-size WxH into *w, *h, within cast.h's bounds. Returns 0 or -1. */
static int cast_size(const char *s, int *w, int *h)
{
	char *end;
	long x, y;

	x = strtol(s, &end, 10);
	if (end == s || (*end != 'x' && *end != 'X'))
		return -1;
	s = end + 1;
	y = strtol(s, &end, 10);
	if (end == s || *end || x < CAST_MIN_WIDTH || x > CAST_MAX_WIDTH ||
	    y < CAST_MIN_HEIGHT || y > CAST_MAX_HEIGHT)
		return -1;
	*w = (int)x;
	*h = (int)y;
	return 0;
}

/* console and replay share their options. */
static int cmd_console(int argc, char **argv, int replay)
{
	static const struct option opts[] = {
		{ "theme", required_argument, NULL, 't' },
		{ "hosts", required_argument, NULL, 'H' },
		{ "record", required_argument, NULL, 'r' },
		{ "clients", required_argument, NULL, 'C' },
		{ "ascii", no_argument, NULL, 'a' },
		{ "speed", required_argument, NULL, 's' },
		{ "exit-after", required_argument, NULL, 'x' },
		{ "cast", required_argument, NULL, 'c' },
		{ "cast-size", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct console_opts o = { .speed = 1, .exit_after = -1 };
	const char *cast = NULL;
	int c, width = CAST_WIDTH, height = CAST_HEIGHT;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': o.theme = optarg; break;
		case 'H': o.hosts = optarg; break;
		case 'r': o.record = optarg; break;
		case 'C': o.clients = optarg; break;
		case 'a': o.ascii = 1; break;
		case 's':
			o.speed = strtod(optarg, NULL);
			if (o.speed <= 0 || o.speed > 1000)
				return fprintf(stderr, "dsmig: --speed must be in (0, 1000]\n"), CLI_USAGE;
			break;
		case 'x': o.exit_after = strtod(optarg, NULL); break;
		case 'c': cast = optarg; break;
		case 'z':
			if (cast_size(optarg, &width, &height))
				return fprintf(stderr, "dsmig: --cast-size must be WxH, %d..%d x %d..%d\n",
					       CAST_MIN_WIDTH, CAST_MAX_WIDTH, CAST_MIN_HEIGHT,
					       CAST_MAX_HEIGHT), CLI_USAGE;
			break;
		case 'h': usage(stdout); return CLI_OK;
		default: usage(stderr); return CLI_USAGE;
		}
	}
	if (replay) {
		if (optind + 1 != argc || o.clients) {
			usage(stderr);
			return CLI_USAGE;
		}
		o.replay = argv[optind];
	} else if (optind != argc || cast) {
		usage(stderr);
		return CLI_USAGE;
	}
	return cast ? cast_record(&o, cast, width, height) : console_run(&o);
}

int main(int argc, char **argv)
{
	log_init("dsmig");
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			usage(stdout);
			return CLI_OK;
		}
		return cmd_console(argc, argv, 0);
	}
	if (!strcmp(argv[1], "console"))
		return cmd_console(argc - 1, argv + 1, 0);
	if (!strcmp(argv[1], "replay"))
		return cmd_console(argc - 1, argv + 1, 1);
	if (!strcmp(argv[1], "migrate"))
		return cmd_migrate(argc - 1, argv + 1);
	if (!strcmp(argv[1], "predict"))
		return cmd_predict(argc - 1, argv + 1);
	if (!strcmp(argv[1], "top"))
		return cmd_top(argc - 1, argv + 1);
	if (!strcmp(argv[1], "report"))
		return cmd_report(argc - 1, argv + 1);
	if (!strcmp(argv[1], "record"))
		return cmd_record(argc - 1, argv + 1);
	if (!strcmp(argv[1], "lab"))
		return cmd_lab(argc - 1, argv + 1);
	if (!strcmp(argv[1], "wire"))
		return cmd_wire(argc - 1, argv + 1);
	if (!strcmp(argv[1], "webclient"))
		return cmd_webclient(argc - 1, argv + 1);
	log_error("unknown command '%s'", argv[1]);
	usage(stderr);
	return CLI_USAGE;
}
