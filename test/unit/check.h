/* A tiny assertion helper for the host unit tests: counts cases, names the failing one. */
#ifndef TEST_CHECK_H
#define TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_cases;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		check_cases++;                                                       \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                              \
			exit(1);                                                     \
		}                                                                    \
	} while (0)

#define CHECK_DONE(name) printf("%s: %d cases passed\n", name, check_cases)

/* xorshift64: the tests' fixed-seed random numbers (a state of 0 stays 0). */
static inline unsigned long long check_rnd(unsigned long long *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

#endif
