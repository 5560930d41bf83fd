/* names.h - session names (`new --name`, `rename`): what a name may be, and that live
 * sessions have distinct names, so a name given as ID finds one session. */
#ifndef HF_NAMES_H
#define HF_NAMES_H

/* Dies with a message unless `name` is 1..HF_NAME_MAX bytes without control characters.
 * `what` names it in the message ("--name", "the new name"). */
void names_check(const char *name, const char *what);

/* Dies with a message when a live session other than `except_id` (NULL: none) has `name`;
 * dead sessions' files found on the way are removed. */
void names_unused(const char *name, const char *except_id);

/* Whether the session's master answers on its socket; a dead one's files are removed. */
int names_is_live(const char *id);

#endif
