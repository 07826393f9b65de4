/*
 * Guest-physical space above RAM, which the start page tables identity-map
 * like RAM (up to 4 GiB) but which holds nothing until the core places a
 * page there:
 *   base = RAM size rounded up to 2 MiB
 *   base                 shared_info (dom/evtchn.h)
 *   base + 4 KiB ...     grant-table frames, GNTTAB_MAX_FRAMES of them (dom/gnttab.h)
 *   base + 2 MiB ...     the mapping window: grant maps, foreign maps (BH_DOMCTL_map_foreign)
 * dom_gpa_alloc() hands out window pages; the window is smaller if RAM is
 * close to 4 GiB, and absent (allocation fails) beyond.
 */
#ifndef DOM_GPA_H
#define DOM_GPA_H

#include <stddef.h>
#include <stdint.h>

#define DOM_GPA_WINDOW_PAGES 16384	/* 64 MiB */

uint64_t dom_gpa_shared_info(void);
uint64_t dom_gpa_grant_frames(void);
/* npages contiguous unpopulated window pages (their GPA = their address), or 0. */
uint64_t dom_gpa_alloc(size_t npages);
void dom_gpa_free(uint64_t gpa, size_t npages);

#endif
