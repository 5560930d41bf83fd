/* cmd_rename.c - `rename ID NAME`: give a session another name (what `ls` shows and what
 * ID may be). Only the session's metadata changes, atomically (statedir.c meta_write);
 * the master and its clients are not involved, so no protocol message is needed. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "names.h"
#include "opts.h"
#include "statedir.h"
#include "util.h"

int cmd_rename(int argc, char **argv)
{
    struct hf_state st;
    struct hf_meta meta;
    const char *args[2] = {NULL, NULL};
    char id[HF_ID_MAX + 1];
    int i, n = 0, rc;

    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0 && i + 1 < argc && n < 2) {
            /* a name starting with '-' comes after "--" */
            while (++i < argc && n < 2)
                args[n++] = argv[i];
            if (i < argc)
                opt_unknown("rename", argv[i]);
            break;
        }
        if (argv[i][0] == '-' || n == 2)
            opt_unknown("rename", argv[i]);
        args[n++] = argv[i];
    }
    if (n < 2)
        hf_die("rename needs a session and a name; e.g. " HF_PROG " rename ID NAME (see: " HF_PROG
               " ls)");
    names_check(args[1], "the new name");
    statedir_enter(&st);
    statedir_resolve(args[0], id);
    if (meta_read(id, &meta) < 0)
        hf_die("session %s has no metadata yet (still starting?); try again in a moment", id);
    names_unused(args[1], id);
    snprintf(meta.name, sizeof meta.name, "%s", args[1]);
    rc = meta_write(&meta);
    if (rc != 0)
        hf_die("cannot write the metadata of session %s: %s; free some space in %s", id,
               strerror(rc), st.base);
    return 0;
}
