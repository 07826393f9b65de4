/* Formatted output through console_io. */
#ifndef GUEST_PRINT_H
#define GUEST_PRINT_H

/*
 * printf subset: %s %c %d %u %x with optional '0', width and 'l'.
 * One call is one console_io hypercall (up to 256 bytes), so lines printed
 * by concurrent vCPUs do not interleave.
 */
__attribute__((format(printf, 1, 2))) void print(const char *fmt, ...);

#endif
