/* Between the shell's own files. */
#ifndef SHELL_PRIV_H
#define SHELL_PRIV_H

/* The help builtin lives with the command table it lists. */
int shell_help(int argc, char **argv);

#endif
