/*
 * AHCI host bus adapters and the SATA disks behind them (Serial ATA AHCI
 * 1.3.1; ATA/ATAPI-8 ACS for the commands and IDENTIFY DEVICE): the HBA and
 * port registers, the port start and stop sequences, command headers,
 * command tables and PRDTs, Register H2D FISes for the commands a disk
 * backend needs, a port's 32 command slots with completion checking, and
 * IDENTIFY DEVICE parsing. Groundwork for issue 8 (the blkback storage
 * domain); nothing links it yet.
 *
 * Registers are reached through struct ahci_ops on the HBA's ABAR (BAR5).
 * Every wait for the hardware polls a fixed number of times with ops->wait
 * between polls, so a register that never changes ends the wait with
 * -ETIMEDOUT, never a hang. The command list, FIS receive area and command
 * tables are caller memory at caller-given physical addresses (as nvme.c);
 * no allocation here, so the file builds on the host (test/unit/test_ahci.c).
 *
 * Everything the HBA reports is hostile until checked: a completion snapshot
 * that shows a slot we never issued, or a byte count beyond the transfer, is
 * rejected and counted; every outstanding command fails and the port is
 * latched as needing ahci_port_recover, as after a task-file error.
 *
 * Non-queued commands only (no NCQ, no port multipliers, no FIS-based
 * switching). Threading: none; one caller per port, and no ahci_slot_issue
 * between reading a snapshot and handing it to ahci_port_complete. The
 * caller's write32 orders earlier memory stores before the register store
 * (an uncached MMIO store on x86 does). Little-endian hosts only (x86).
 */
#ifndef BLKBACK_AHCI_H
#define BLKBACK_AHCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AHCI_SLOTS 32u			/* command slots per port (§3.3.14 PxCI) */
#define AHCI_PRD_MAX_BYTES (4u << 20)	/* one PRDT entry: DBC is 22 bits (§4.2.3.3) */
#define AHCI_PRDT_MAX 65535u		/* PRDTL is 16 bits (§4.2.2) */
#define AHCI_CLB_ALIGN 1024u		/* PxCLB (§3.3.1) */
#define AHCI_FB_ALIGN 256u		/* PxFB without FIS-based switching (§3.3.3) */
#define AHCI_CTBA_ALIGN 128u		/* command table (§4.2.2 DW2) */
#define AHCI_FIS_AREA 256u		/* bytes of the received-FIS area (§4.2.1) */

/* Generic host control (§3.1). */
#define AHCI_CAP 0x00
#define AHCI_GHC 0x04
#define AHCI_IS 0x08
#define AHCI_PI 0x0c
#define AHCI_VS 0x10
#define AHCI_CAP_S64A (1u << 31)
#define AHCI_CAP_SNCQ (1u << 30)
#define AHCI_CAP_SAM (1u << 18)		/* AHCI mode only: GHC.AE reads 1 */
#define AHCI_CAP_SSS (1u << 27)		/* staggered spin-up: PxCMD.SUD */
#define AHCI_CAP_SCLO (1u << 24)
#define AHCI_GHC_HR (1u << 0)
#define AHCI_GHC_IE (1u << 1)
#define AHCI_GHC_AE (1u << 31)

/* Port registers at AHCI_PORT(n) + offset (§3.3). */
#define AHCI_PORT(n) (0x100u + 0x80u * (n))
#define AHCI_PxCLB 0x00
#define AHCI_PxCLBU 0x04
#define AHCI_PxFB 0x08
#define AHCI_PxFBU 0x0c
#define AHCI_PxIS 0x10
#define AHCI_PxIE 0x14
#define AHCI_PxCMD 0x18
#define AHCI_PxTFD 0x20
#define AHCI_PxSIG 0x24
#define AHCI_PxSSTS 0x28
#define AHCI_PxSCTL 0x2c
#define AHCI_PxSERR 0x30
#define AHCI_PxSACT 0x34
#define AHCI_PxCI 0x38

/* PxCMD (§3.3.7) */
#define AHCI_CMD_ST (1u << 0)
#define AHCI_CMD_SUD (1u << 1)
#define AHCI_CMD_POD (1u << 2)
#define AHCI_CMD_FRE (1u << 4)
#define AHCI_CMD_FR (1u << 14)
#define AHCI_CMD_CR (1u << 15)
#define AHCI_CMD_ICC (0xfu << 28)
/* PxIS / PxIE (§3.3.5, §3.3.6) */
#define AHCI_IS_DHRS (1u << 0)		/* D2H Register FIS: a command ended */
#define AHCI_IS_PSS (1u << 1)
#define AHCI_IS_DSS (1u << 2)
#define AHCI_IS_SDBS (1u << 3)
#define AHCI_IS_UFS (1u << 4)
#define AHCI_IS_DPS (1u << 5)
#define AHCI_IS_PCS (1u << 6)
#define AHCI_IS_PRCS (1u << 22)		/* PhyRdy changed: the link dropped */
#define AHCI_IS_OFS (1u << 24)		/* overflow: more data than the PRDT */
#define AHCI_IS_INFS (1u << 26)
#define AHCI_IS_IFS (1u << 27)		/* interface fatal */
#define AHCI_IS_HBDS (1u << 28)		/* host bus data error */
#define AHCI_IS_HBFS (1u << 29)		/* host bus fatal */
#define AHCI_IS_TFES (1u << 30)		/* task-file error: the device set ERR */
/* What fails the outstanding commands and needs a recovery (§6.1.2, §6.2.2). */
#define AHCI_IS_ERRORS (AHCI_IS_TFES | AHCI_IS_HBFS | AHCI_IS_HBDS | AHCI_IS_IFS | \
			AHCI_IS_OFS | AHCI_IS_PRCS)
/* A useful PxIE for ahci_port_start: completions and every error. */
#define AHCI_IE_DEFAULT (AHCI_IS_DHRS | AHCI_IS_PSS | AHCI_IS_DSS | AHCI_IS_SDBS | \
			 AHCI_IS_UFS | AHCI_IS_DPS | AHCI_IS_PCS | AHCI_IS_ERRORS)
/* PxTFD (§3.3.8): the ATA status register in 7:0, error register in 15:8. */
#define AHCI_TFD_ERR (1u << 0)
#define AHCI_TFD_DRQ (1u << 3)
#define AHCI_TFD_BSY (1u << 7)
/* PxSSTS (§3.3.10) */
#define AHCI_SSTS_DET(s) ((s) & 0xfu)
#define AHCI_SSTS_IPM(s) (((s) >> 8) & 0xfu)

/* Device signatures in PxSIG (§3.3.9; SATA 1.0 §11.3). */
#define AHCI_SIG_ATA 0x00000101u
#define AHCI_SIG_ATAPI 0xeb140101u
#define AHCI_SIG_SEMB 0xc33c0101u
#define AHCI_SIG_PM 0x96690101u
enum ahci_class { AHCI_DEV_NONE, AHCI_DEV_ATA, AHCI_DEV_ATAPI, AHCI_DEV_OTHER };

/* ATA commands (ATA8-ACS, ACS-2 for DATA SET MANAGEMENT) */
#define ATA_CMD_DSM 0x06		/* DATA SET MANAGEMENT (TRIM) */
#define ATA_CMD_READ_DMA_EXT 0x25
#define ATA_CMD_WRITE_DMA_EXT 0x35
#define ATA_CMD_READ_DMA 0xc8
#define ATA_CMD_WRITE_DMA 0xca
#define ATA_CMD_FLUSH 0xe7
#define ATA_CMD_FLUSH_EXT 0xea
#define ATA_CMD_IDENTIFY 0xec
#define ATA_DEV_LBA 0x40		/* device register bit 6: LBA addressing */
#define ATA_LBA28_SECTORS (1u << 28)
#define ATA_LBA48_SECTORS (1ull << 48)

/* Register access to the ABAR; wait lets about us microseconds pass and
 * returns nonzero to give up the current wait at once. */
struct ahci_ops {
	uint32_t (*read32)(void *ctx, uint32_t off);
	void (*write32)(void *ctx, uint32_t off, uint32_t val);
	int (*wait)(void *ctx, uint32_t us);
	void *ctx;
};

/* Register Host-to-Device FIS (SATA §10.3.4; AHCI §4.2.3.1 CFIS). */
struct ahci_fis_h2d {
	uint8_t type;		/* 0x27 */
	uint8_t flags;		/* PM port 3:0, C 7 (a command, not device control) */
	uint8_t command;
	uint8_t feature_lo;
	uint8_t lba0, lba1, lba2;
	uint8_t device;
	uint8_t lba3, lba4, lba5;
	uint8_t feature_hi;
	uint8_t count_lo, count_hi;
	uint8_t icc, control;
	uint8_t aux[4];
};
#define AHCI_FIS_H2D 0x27
#define AHCI_FIS_C 0x80

/* Command header, one per slot in the command list (§4.2.2). */
struct ahci_cmd_hdr {
	uint32_t dw0;		/* CFL 4:0, A 5, W 6, P 7, R 8, B 9, C 10, PMP 15:12, PRDTL 31:16 */
	uint32_t prdbc;		/* bytes transferred, written by the HBA */
	uint32_t ctba, ctbau;	/* the command table, 128-byte aligned */
	uint32_t rsvd[4];
};
#define AHCI_HDR_A (1u << 5)
#define AHCI_HDR_W (1u << 6)
#define AHCI_HDR_P (1u << 7)

/* Physical region descriptor (§4.2.3.3). */
struct ahci_prd {
	uint32_t dba, dbau;	/* data base, bit 0 reserved: word aligned */
	uint32_t rsvd;
	uint32_t dbc;		/* byte count - 1 in 21:0 (bit 0 always 1), I in 31 */
};
#define AHCI_PRD_I (1u << 31)

/* Command table (§4.2.3): CFIS, ATAPI command, then the PRDT. */
struct ahci_cmd_table {
	uint8_t cfis[64];
	uint8_t acmd[16];
	uint8_t rsvd[48];
	struct ahci_prd prdt[];
};
/* Bytes of a command table with n PRDT entries. */
#define AHCI_TABLE_SIZE(n) (sizeof(struct ahci_cmd_table) + (size_t)(n) * sizeof(struct ahci_prd))

/* One piece of a transfer: bytes at a physical address. */
struct ahci_seg {
	uint64_t phys;
	uint32_t len;
};

/* CAP decoded (§3.1.1). */
struct ahci_cap {
	unsigned ports;		/* NP + 1 (PI says which exist) */
	unsigned slots;		/* NCS + 1 */
	bool addr64;		/* S64A: 64-bit DMA addresses */
	bool ncq, staggered, clo, ahci_only;
};

/*
 * One port. Fields are private to ahci.c except sector_size, which the
 * caller may set after IDENTIFY (0: unchecked) so that ahci_cmd_prepare
 * refuses a read or write whose PRDT does not cover count sectors exactly,
 * and the counters and why, which the caller may read.
 */
struct ahci_port {
	const struct ahci_ops *ops;
	uint32_t base;			/* AHCI_PORT(n) */
	unsigned nslots;		/* CAP.NCS + 1 */
	bool addr64;			/* CAP.S64A */
	struct ahci_cmd_hdr *list;	/* the command list, CPU view: nslots headers */
	uint64_t list_phys, fis_phys;
	uint32_t allocated;		/* slots ahci_slot_alloc handed out */
	uint32_t ready;			/* allocated slots with a command built */
	uint32_t issued;		/* slots written to PxCI, not completed */
	uint32_t expect[AHCI_SLOTS];	/* bytes each ready slot's PRDT covers */
	uint32_t sector_size;
	bool running;			/* started by us, not stopped since */
	bool needs_reset;		/* an error or hostile completion: recover first */
	const char *why;		/* why the last call failed, or what latched the port */
	unsigned errors;		/* error snapshots (task file, interface, link) */
	unsigned hostile;		/* snapshots rejected as impossible */
};

/* What one ahci_port_complete call finished: slots in ok succeeded and
 * moved bytes[slot] bytes (PRDBC); slots in failed did not. Both are free
 * again. */
struct ahci_done {
	uint32_t ok, failed;
	uint32_t bytes[AHCI_SLOTS];
};

/* HBA (§10.1.2, §10.4.3). Return 0, -EIO (all ones: the HBA is gone, or AE
 * will not stick) or -ETIMEDOUT (GHC.HR still set after 1 s). A reset
 * returns every port to idle: set ports up again after it. */
void ahci_cap_decode(uint32_t cap, struct ahci_cap *c);
int ahci_hba_enable(const struct ahci_ops *ops);
int ahci_hba_reset(const struct ahci_ops *ops);

/* DET = 3 (device and PHY communication) and IPM = 1 (active) (§3.3.10). */
bool ahci_ssts_present(uint32_t ssts);
enum ahci_class ahci_sig_class(uint32_t sig);

/*
 * Set up port n (implemented in pi, below CAP.NP + 1) with a command list
 * at list / list_phys (1 KiB aligned, nslots headers; zeroed here) and a
 * 256-byte FIS area at fis_phys (256 aligned); both below 4 GiB unless
 * CAP.S64A. No register access. Returns 0 or -EINVAL.
 */
int ahci_port_init(struct ahci_port *p, const struct ahci_ops *ops, unsigned n, uint32_t cap,
		   uint32_t pi, struct ahci_cmd_hdr *list, uint64_t list_phys, uint64_t fis_phys);
/*
 * Stop the command engine (clear ST, wait up to 500 ms for CR; §10.1.2) and
 * with fis also FIS receive (clear FRE, wait for FR). -EBUSY while commands
 * are issued (ahci_port_abort first), -ETIMEDOUT, -EIO (all ones).
 */
int ahci_port_stop(struct ahci_port *p, bool fis);
/*
 * Start a stopped port (§10.1.2, §10.3.1): program PxCLB/PxFB and set FRE
 * unless FIS receive already runs on our area, wait up to ready_ms for a
 * present device with BSY and DRQ clear, then write PxIE = ie, set ST and
 * wait for CR. Clears the needs-reset latch. -EBUSY (engine running, or FIS
 * receive on someone else's area: take a port over from firmware with
 * ahci_port_stop(p, true) first), -ENODEV (no device), -ETIMEDOUT, -EIO.
 * May be called again after -ENODEV/-ETIMEDOUT: FIS receive stays on.
 */
int ahci_port_start(struct ahci_port *p, uint32_t ie, uint32_t ready_ms);
/* COMRESET through PxSCTL.DET with the engine stopped (§10.4.2), then wait
 * up to 1 s for the link. 0, -EBUSY (ST or CR set), -ENODEV, -EIO. */
int ahci_port_comreset(struct ahci_port *p);
/* After an error (§6.2.2.1): stop the engine, clear PxSERR and PxIS,
 * COMRESET if the device stays BSY or DRQ, start again. -EBUSY while
 * commands are issued; else as ahci_port_start. */
int ahci_port_recover(struct ahci_port *p, uint32_t ie, uint32_t ready_ms);
/* PxSIG classified, or AHCI_DEV_NONE when no device is present. */
enum ahci_class ahci_port_class(struct ahci_port *p);

/* Register H2D FISes. lba48 picks the EXT commands: count 1..65536
 * and lba + count <= 2^48, else count 1..256 and lba + count <= 2^28. */
void ahci_fis_identify(struct ahci_fis_h2d *f);
int ahci_fis_rw(struct ahci_fis_h2d *f, bool write, uint64_t lba, uint32_t count, bool lba48);
void ahci_fis_flush(struct ahci_fis_h2d *f, bool lba48);
/* DATA SET MANAGEMENT with TRIM over blocks (1..65535) 512-byte blocks of
 * range entries (ACS-2); ahci_trim_range fills one entry: sectors
 * 1..65535 from lba, within 48 bits. Return 0 or -EINVAL. */
int ahci_fis_trim(struct ahci_fis_h2d *f, uint32_t blocks);
int ahci_trim_range(uint64_t *entry, uint64_t lba, uint32_t sectors);

/*
 * PRDT for nseg segments (§4.2.3.3): each split into entries of at most
 * 4 MiB; lengths and addresses even, not zero; below 4 GiB unless addr64;
 * irq_last sets I on the last entry. Returns the entry count and *bytes,
 * or -EINVAL (bad segment, total over 4 GiB - 1) or -E2BIG (over cap or
 * AHCI_PRDT_MAX entries).
 */
int ahci_prdt_build(struct ahci_prd *prdt, unsigned cap, const struct ahci_seg *seg,
		    unsigned nseg, bool addr64, bool irq_last, uint32_t *bytes);
/* A command header (§4.2.2): cfl 2..16 dwords, prdtl entries, PRDBC 0,
 * the table at ctba (128 aligned, below 4 GiB unless addr64). 0 or -EINVAL. */
int ahci_cmd_header(struct ahci_cmd_hdr *h, unsigned cfl, bool write, bool atapi,
		    unsigned prdtl, uint64_t ctba, bool addr64);

/* Command slots. alloc: the lowest free slot, -EAGAIN (all busy) or -EIO
 * (port needs a reset). free: an allocated slot not issued; 0 or -EINVAL. */
int ahci_slot_alloc(struct ahci_port *p);
int ahci_slot_free(struct ahci_port *p, unsigned slot);
/*
 * Build slot's command: fis (one of the ATA_CMD_* above; its direction
 * sets W) into the table t at t_phys with room for prdt_cap entries, the
 * data in seg (none for FLUSH, exactly 512 bytes for IDENTIFY), and the
 * slot's header. 0, -EINVAL, -E2BIG, -EIO (needs reset).
 */
int ahci_cmd_prepare(struct ahci_port *p, unsigned slot, struct ahci_cmd_table *t,
		     uint64_t t_phys, unsigned prdt_cap, const struct ahci_fis_h2d *fis,
		     const struct ahci_seg *seg, unsigned nseg);
/* Issue a prepared slot (write its PxCI bit). 0, -EINVAL, -EIO (needs
 * reset, or the port is not started). */
int ahci_slot_issue(struct ahci_port *p, unsigned slot);
/*
 * Completion from a snapshot of PxCI, PxIS and PxTFD. Issued slots whose CI
 * bit is clear completed (d->ok; PRDBC in d->bytes). On an error (PxIS in
 * AHCI_IS_ERRORS, or TFD.ERR with BSY clear) the slots still in CI fail and
 * the port latches needs_reset. A CI bit for a slot never issued, or a
 * PRDBC above the slot's transfer, rejects the whole snapshot: every issued
 * slot fails, p->hostile counts it, the port latches. Returns 0, or -EIO
 * when the port is (now) latched; d is filled either way.
 */
int ahci_port_complete(struct ahci_port *p, uint32_t ci, uint32_t is, uint32_t tfd,
		       struct ahci_done *d);
/* Take the snapshot (PxIS, cleared by writing it back, then PxCI, PxTFD)
 * and complete from it. */
int ahci_port_poll(struct ahci_port *p, struct ahci_done *d);
/* Fail every issued slot into d (for shutdown); the port latches. */
void ahci_port_abort(struct ahci_port *p, struct ahci_done *d);

/* IDENTIFY DEVICE data (ATA8-ACS), as ahci_identify_parse reads it. */
struct ahci_identify {
	uint64_t sectors;		/* logical sectors */
	uint32_t sector_size;		/* bytes per logical sector */
	uint32_t phys_sector_size;	/* bytes per physical sector */
	bool lba48;			/* use the EXT commands */
	bool flush, flush_ext;		/* FLUSH CACHE (EXT) supported */
	bool write_cache;		/* volatile write cache supported */
	bool trim;			/* DSM TRIM supported */
	uint16_t trim_blocks;		/* DSM blocks of ranges per command (>= 1) */
	char model[41];			/* trailing spaces removed */
	char serial[21];
	char firmware[9];
};
/* Parse a 512-byte IDENTIFY page. -EINVAL for nonsense: not an ATA device,
 * a bad integrity word, no LBA, 0 sectors or more than the addressing
 * allows, a sector size that is not a multiple of 512. */
int ahci_identify_parse(const void *page, struct ahci_identify *id);

#endif
