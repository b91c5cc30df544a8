/*
 * Fuzzing the theme parser (src/ui/theme.c): the bytes are a theme file's
 * text. A parsed theme is then asked for every role's attributes, with
 * colours off (theme_apply() needs a terminal).
 */
#include <string.h>

#include "fuzz.h"
#include "ui/theme.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct theme t;
	char err[256], *text = malloc(size + 1);
	int r;

	if (!text)
		fuzz_die("malloc");
	memcpy(text, data, size);
	text[size] = '\0';
	theme_default(&t);
	if (theme_parse(&t, text, "fuzz.theme", err, sizeof(err)) == 0) {
		for (r = 0; r < THEME_NROLES; r++)
			(void)theme_attr(&t, (enum theme_role)r);
		(void)theme_color_wanted(&t);
	}
	free(text);
	return 0;
}
