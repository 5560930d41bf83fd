/* test_main.c - runs the C unit tests; exit status non-zero on any failure. */
#include <stdio.h>

#include "test.h"

int t_checks, t_failures;

int main(int argc, char **argv)
{
    int vectors = 0, i;
    test_ring();
    test_codec();
    test_inq();
    test_lastline();
    test_flow();
    test_wnd();
    test_agentrelay();
    if (argc < 2)
        vectors = test_vectors("vectors/vectors.txt");
    for (i = 1; i < argc; i++) /* one file per protocol feature */
        vectors += test_vectors(argv[i]);
    printf("%d vectors decoded\n", vectors);
    printf("%d passed, %d failed\n", t_checks - t_failures, t_failures);
    return t_failures == 0 && vectors > 0 ? 0 : 1;
}
