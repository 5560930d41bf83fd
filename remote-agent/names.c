/* names.c - session names: their form, and one live session per name. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "names.h"
#include "statedir.h"
#include "util.h"

void names_check(const char *name, const char *what)
{
    size_t i, n = strlen(name);
    if (n == 0 || n > HF_NAME_MAX)
        hf_die("%s must be 1 to %d bytes; pick a shorter name", what, HF_NAME_MAX);
    for (i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            hf_die("%s must not contain control characters; pick another name", what);
}

int names_is_live(const char *id)
{
    int fd = statedir_connect(id);
    if (fd >= 0) {
        close(fd);
        return 1;
    }
    if (errno == ECONNREFUSED)
        statedir_remove(id);
    return 0;
}

void names_unused(const char *name, const char *except_id)
{
    char **ids;
    int n = statedir_list(&ids), i;
    for (i = 0; i < n; i++) {
        struct hf_meta m;
        if ((!except_id || strcmp(ids[i], except_id) != 0) && meta_read(ids[i], &m) == 0 &&
            strcmp(m.name, name) == 0 && names_is_live(ids[i]))
            hf_die("a session named '%s' already exists (id %s); pick another name or "
                   "attach to it with: " HF_PROG " attach %s",
                   name, ids[i], ids[i]);
        free(ids[i]);
    }
    free(ids);
}
