/*
 * Fuzzing the engine's blob decoder (src/engine/blob.c): the bytes are a
 * TAG_STATE or TAG_MISSING message as the destination receives it (the
 * header, then the blob, raw or LZ4-compressed, checked by its XXH3).
 */
#include "engine/blob.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *blob = NULL;
	long n = blob_unpack(data, size, &blob);

	if (n >= 0)
		free(blob);
	return 0;
}
