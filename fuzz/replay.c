/* replay.c - runs a libFuzzer target without libFuzzer: each file named on the
 * command line (or each file in a named directory) is passed once to
 * LLVMFuzzerTestOneInput. `make check` builds every fuzz/fuzz_*.c with it and
 * tests/it_fuzz_replay.sh replays fuzz/corpus/ (the seeds and every input
 * that once found a fault), so the targets keep building and, in `make
 * asan`, the corpora run under ASan and UBSan. */
#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Inputs larger than this are cut (libFuzzer's default -max_len is far less). */
#define REPLAY_MAX (1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run one file; false when it cannot be read. */
static bool replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return false;
	}
	uint8_t *buf = malloc(REPLAY_MAX);
	if (!buf) {
		fclose(f);
		return false;
	}
	size_t n = fread(buf, 1, REPLAY_MAX, f);
	bool ok = !ferror(f);
	fclose(f);
	if (ok) {
		/* a copy of exactly n bytes, so ASan sees any read past the input */
		uint8_t *in = malloc(n ? n : 1);
		if (in) {
			memcpy(in, buf, n);
			LLVMFuzzerTestOneInput(in, n);
			free(in);
		}
		ok = in != NULL;
	} else {
		perror(path);
	}
	free(buf);
	return ok;
}

static int replay_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file of a directory, in name order; the count run, or -1. */
static long replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **grown = realloc(names, cap * sizeof *names);
			if (!grown)
				break;
			names = grown;
		}
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		if (!(names[n] = malloc(len)))
			break;
		snprintf(names[n++], len, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, replay_name_cmp);
	long run = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (run >= 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			run = replay_file(names[i]) ? run + 1 : -1;
		free(names[i]);
	}
	free(names);
	return run;
}

int main(int argc, char **argv)
{
	long total = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			return 2;
		}
		long n = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i]) ? 1 : -1;
		if (n < 0)
			return 2;
		total += n;
	}
	printf("replayed %ld inputs\n", total);
	return 0;
}
