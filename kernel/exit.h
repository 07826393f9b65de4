/* Generic VM-exit handling: one small handler per exit kind. */
#ifndef BULKHEAD_EXIT_H
#define BULKHEAD_EXIT_H

#include "virt.h"

struct vcpu;

/* Before an entry: deliver a pending virtual interrupt or ask for a window. */
void exit_prepare_entry(struct vcpu *v);
/* Dispatch one exit record. */
void exit_handle(struct vcpu *v, const struct exit_record *e);
/* Move RIP past the exiting instruction (decoding it when the hardware gave
 * no length). False if the instruction could not be fetched: the domain has
 * then been stopped. */
bool exit_skip(struct vcpu *v, const struct exit_record *e);
/* Inject a hardware exception. */
void exit_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error);

#define X86_DB 1
#define X86_UD 6
#define X86_GP 13
#define X86_AC 17

#endif
