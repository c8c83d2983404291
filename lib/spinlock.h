/*
 * Spinlocks: a word that one CPU at a time changes from 0 to 1, with
 * acquire/release ordering, and the "irqsave" forms that also keep this
 * CPU's interrupts off while it holds the lock (an interrupt handler on
 * the same CPU that takes the lock would otherwise spin forever).
 * Header-only and freestanding.  Linux: include/linux/spinlock.h,
 * arch/x86/include/asm/qspinlock.h (ours is the old test-and-set lock).
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include "lib/cpu.h"
#include "lib/types.h"

typedef struct {
	volatile int locked;
} spinlock_t;

#define SPINLOCK_INIT { 0 }

static inline bool spin_trylock(spinlock_t *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_lock(spinlock_t *l)
{
	while (!spin_trylock(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();	/* read-only spin: no cache-line ping-pong */
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline uint64_t spin_lock_irqsave(spinlock_t *l)
{
	uint64_t flags = irq_save();

	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags)
{
	spin_unlock(l);
	irq_restore(flags);
}

#endif
