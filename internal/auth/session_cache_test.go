package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestSessionCache(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	c := newSessionCache()
	c.now = func() time.Time { return at }
	entry := func(name string) cachedSession {
		return cachedSession{user: User{Username: name}, gen: c.generation()}
	}

	c.put("a", entry("a"))
	if e, ok := c.get("a"); !ok || e.user.Username != "a" {
		t.Fatalf("get after put = %+v, %v", e, ok)
	}
	if _, ok := c.get("b"); ok {
		t.Fatal("an entry never put was found")
	}

	// A read taken before a change must not be kept after it: the change
	// may have committed between the read and the put.
	stale := entry("a")
	c.forget()
	if _, ok := c.get("a"); ok {
		t.Fatal("entry survived forget")
	}
	c.put("a", stale)
	if _, ok := c.get("a"); ok {
		t.Fatal("a read from before the change was kept")
	}

	// Dropping one token's entry leaves the others.
	c.put("a", entry("a"))
	c.put("b", entry("b"))
	c.drop("a")
	if _, ok := c.get("a"); ok {
		t.Fatal("dropped entry found")
	}
	if _, ok := c.get("b"); !ok {
		t.Fatal("dropping one entry lost another")
	}

	c.put("a", entry("a"))
	at = at.Add(sessionCacheFor - time.Nanosecond)
	if _, ok := c.get("a"); !ok {
		t.Fatal("entry gone before its time")
	}
	at = at.Add(time.Nanosecond)
	if _, ok := c.get("a"); ok {
		t.Fatal("entry outlived sessionCacheFor")
	}

	for i := range sessionCacheMax + 10 {
		c.put(fmt.Sprint(i), entry(fmt.Sprint(i)))
		if len(c.m) > sessionCacheMax {
			t.Fatalf("%d entries, more than %d", len(c.m), sessionCacheMax)
		}
	}
	if _, ok := c.get(fmt.Sprint(sessionCacheMax + 9)); !ok {
		t.Fatal("the newest entry was dropped")
	}
}
