/*
 * Guest time under QEMU, in place of dsmig-vmm's TIME hypercall: the
 * monotonic clock is the TSC, its rate measured once at boot against PIT
 * channel 2 (as Linux's pit_calibrate_tsc does); the wall clock is that
 * plus the CMOS RTC's time of day read once at boot (to the second).
 *
 * Nanoseconds are (cycles * ns_mult) >> 32 in 128-bit arithmetic: no
 * division per read and no overflow for any uptime.
 */
#include "dsmig_guest.h"
#include "qemu.h"

/* PIT channel 2, gated through port 0x61 (bit 0 gate, bit 1 speaker,
 * bit 5 the channel's output). */
#define PIT_HZ        1193182u
#define PIT_CTRL      0x43
#define PIT_CH2       0x42
#define PIT_PORT_B    0x61
#define PIT_CH2_MODE0 0xb0      /* channel 2, low then high byte, mode 0 */
#define CALIBRATE_MS  50
/* Plausible TSC rates, and how long to wait for the PIT at most. */
#define TSC_KHZ_MIN   100000ull     /* 100 MHz */
#define TSC_KHZ_MAX   20000000ull   /* 20 GHz */
#define PIT_WAIT_MAX  (TSC_KHZ_MAX * CALIBRATE_MS * 4)

/* The CMOS RTC (MC146818): index port, data port, registers. */
#define CMOS_INDEX    0x70
#define CMOS_DATA     0x71
#define RTC_SEC       0x00
#define RTC_MIN       0x02
#define RTC_HOUR      0x04
#define RTC_DAY       0x07
#define RTC_MONTH     0x08
#define RTC_YEAR      0x09
#define RTC_STATUS_A  0x0a
#define RTC_STATUS_B  0x0b
#define RTC_CENTURY   0x32      /* as QEMU's mc146818rtc keeps it */
#define RTC_A_UIP     0x80      /* an update is in progress */
#define RTC_B_24H     0x02
#define RTC_B_BINARY  0x04
#define RTC_HOUR_PM   0x80      /* 12-hour mode */
#define RTC_TRIES     1000      /* reads before giving up on a steady one */

#define NS_PER_SEC    1000000000ull

uint64_t qemu_tsc_khz;
static uint64_t ns_mult;        /* ns per cycle, times 2^32 */
static uint64_t tsc_start;
static uint64_t wall_start_ns;

uint64_t qemu_tsc_calibrate_khz(void)
{
	uint32_t latch = PIT_HZ * CALIBRATE_MS / 1000;
	uint8_t port_b = inb(PIT_PORT_B);
	uint64_t t0, t1, khz;

	/* Gate high, speaker off; mode 0 drops the output until the count
	 * written reaches zero. */
	outb(PIT_PORT_B, (uint8_t)((port_b & ~0x02) | 0x01));
	outb(PIT_CTRL, PIT_CH2_MODE0);
	outb(PIT_CH2, (uint8_t)(latch & 0xff));
	outb(PIT_CH2, (uint8_t)(latch >> 8));
	t0 = t1 = rdtsc();
	while (!(inb(PIT_PORT_B) & 0x20) && t1 - t0 < PIT_WAIT_MAX)
		t1 = rdtsc();
	outb(PIT_PORT_B, port_b);

	khz = (t1 - t0) / CALIBRATE_MS;
	return khz >= TSC_KHZ_MIN && khz <= TSC_KHZ_MAX ? khz : 0;
}

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

/* One reading of the RTC's registers, outside an update. */
struct rtc_regs {
	uint8_t sec, min, hour, day, month, year, century, status_b;
};

static int rtc_read_regs(struct rtc_regs *r)
{
	for (int i = 0; i < RTC_TRIES; i++) {
		if (!(cmos_read(RTC_STATUS_A) & RTC_A_UIP)) {
			r->sec = cmos_read(RTC_SEC);
			r->min = cmos_read(RTC_MIN);
			r->hour = cmos_read(RTC_HOUR);
			r->day = cmos_read(RTC_DAY);
			r->month = cmos_read(RTC_MONTH);
			r->year = cmos_read(RTC_YEAR);
			r->century = cmos_read(RTC_CENTURY);
			r->status_b = cmos_read(RTC_STATUS_B);
			return 0;
		}
	}
	return -1;
}

static unsigned bcd(uint8_t v, int binary)
{
	return binary ? v : (unsigned)(v >> 4) * 10 + (v & 0x0f);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil, for years from 1970). */
static uint64_t days_since_epoch(unsigned y, unsigned m, unsigned d)
{
	unsigned yoe, doy, era;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return (uint64_t)era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

uint64_t qemu_rtc_read_ns(void)
{
	struct rtc_regs a, b;
	unsigned sec, min, hour, day, month, year, century;
	int binary, i;

	/* Two equal readings in a row: no update came between the reads. */
	for (i = 0; i < RTC_TRIES; i++) {
		if (rtc_read_regs(&a) != 0 || rtc_read_regs(&b) != 0)
			return 0;
		if (memcmp(&a, &b, sizeof(a)) == 0)
			break;
	}
	if (i == RTC_TRIES)
		return 0;

	binary = !!(a.status_b & RTC_B_BINARY);
	sec = bcd(a.sec, binary);
	min = bcd(a.min, binary);
	hour = bcd(a.hour & (uint8_t)~RTC_HOUR_PM, binary);
	if (!(a.status_b & RTC_B_24H))
		hour = hour % 12 + (a.hour & RTC_HOUR_PM ? 12 : 0);
	day = bcd(a.day, binary);
	month = bcd(a.month, binary);
	century = bcd(a.century, binary);
	if (century < 19 || century > 99)
		century = 20;
	year = century * 100 + bcd(a.year, binary);
	if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 ||
	    month < 1 || month > 12 || year < 1970)
		return 0;
	return ((days_since_epoch(year, month, day) * 24 + hour) * 60 * 60 +
		min * 60 + sec) * NS_PER_SEC;
}

void qemu_clock_start(uint64_t tsc_khz, uint64_t wall_ns)
{
	qemu_tsc_khz = tsc_khz;
	ns_mult = (1000000ull << 32) / tsc_khz;
	wall_start_ns = wall_ns;
	tsc_start = rdtsc();
}

uint64_t qemu_clock_ns(void)
{
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_start) * ns_mult) >> 32);
}

uint64_t qemu_wall_ns(void)
{
	return wall_start_ns + qemu_clock_ns();
}
