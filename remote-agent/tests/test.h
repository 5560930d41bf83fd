/* test.h - a minimal test harness: CHECK records a failure and goes on. */
#ifndef HF_TEST_H
#define HF_TEST_H

#include <stdio.h>

extern int t_checks, t_failures;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        t_checks++;                                                                       \
        if (!(cond)) {                                                                    \
            t_failures++;                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);    \
        }                                                                                 \
    } while (0)

void test_ring(void);
void test_codec(void);
void test_inq(void);
void test_lastline(void);
void test_flow(void);
void test_wnd(void);
void test_agentrelay(void);
int test_vectors(const char *path);

#endif
