/* cmd.h - the subcommands, one file each; main.c dispatches to them. */
#ifndef HF_CMD_H
#define HF_CMD_H

int cmd_new(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_bridge(int argc, char **argv);
int cmd_rename(int argc, char **argv);
int cmd_nc(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_take(int argc, char **argv);

#endif
