package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

func appendN(t *testing.T, d *db.DB, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			_, err := audit.Append(ctx, tx, time.Now(), audit.Record{
				Actor:  audit.Actor{ID: int64(i + 1), Name: fmt.Sprintf("user%d", i), IP: "127.0.0.1"},
				Action: "auth.login", TargetType: "user", TargetID: fmt.Sprint(i + 1),
				Detail: map[string]any{"n": i, "note": "登录"},
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestChainVerifiesAndListsNewestFirst(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		appendN(t, d, 5)
		rep, err := audit.Verify(context.Background(), d.Read())
		if err != nil {
			t.Fatalf("verify intact chain: %v", err)
		}
		if rep.Entries != 5 || rep.HeadSeq != 5 {
			t.Fatalf("report = %+v, want 5 entries", rep)
		}
		got, err := audit.List(context.Background(), d.Read(), audit.Filter{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Seq != 5 || got[1].Seq != 4 {
			t.Fatalf("list = %+v, want seq 5, 4", got)
		}
		if got[0].PrevHash != got[1].Hash {
			t.Fatal("entry 5 does not link to entry 4")
		}
		if got[0].Detail["note"] != "登录" {
			t.Fatalf("detail = %v", got[0].Detail)
		}
		older, _ := audit.List(context.Background(), d.Read(), audit.Filter{Before: 2})
		if len(older) != 1 || older[0].Seq != 1 {
			t.Fatalf("before=2 gave %+v", older)
		}
	})
}

func TestConcurrentAppendsFormOneChain(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- d.InTx(ctx, func(tx *sql.Tx) error {
					_, err := audit.Append(ctx, tx, time.Now(), audit.Record{Actor: audit.System("test"), Action: fmt.Sprintf("a%d", i)})
					return err
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		rep, err := audit.Verify(ctx, d.Read())
		if err != nil || rep.Entries != 16 {
			t.Fatalf("verify = %+v, %v", rep, err)
		}
	})
}

func TestTamperingIsDetected(t *testing.T) {
	cases := []struct {
		name    string
		tamper  string
		wantSeq int64
		reason  string
	}{
		{"altered field", `UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`, 3, "altered"},
		{"altered detail", `UPDATE audit_log SET detail = '{"n":99}' WHERE seq = 2`, 2, "altered"},
		{"rehashed row breaks the next link", `UPDATE audit_log SET hash = 'ffff' WHERE seq = 2`, 2, "altered"},
		{"deleted middle row", `DELETE FROM audit_log WHERE seq = 2`, 3, "missing"},
		{"deleted newest row", `DELETE FROM audit_log WHERE seq = 5`, 5, "removed from the end"},
		{"rewritten newest row", `UPDATE audit_log SET hash = prev_hash WHERE seq = 5`, 5, "altered"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Engines(t, func(t *testing.T, d *db.DB) {
				appendN(t, d, 5)
				dbtest.Exec(t, d.Write(), tc.tamper)
				rep, err := audit.Verify(context.Background(), d.Read())
				if !errors.Is(err, audit.ErrBroken) {
					t.Fatalf("verify after %q: err = %v, want ErrBroken", tc.tamper, err)
				}
				if rep.First == nil || rep.First.Seq != tc.wantSeq {
					t.Fatalf("first bad entry = %+v, want seq %d", rep.First, tc.wantSeq)
				}
				if !strings.Contains(rep.First.Reason, tc.reason) {
					t.Fatalf("reason %q does not mention %q", rep.First.Reason, tc.reason)
				}
			})
		})
	}
}

func TestRolledBackAppendLeavesNoTrace(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		appendN(t, d, 2)
		_ = d.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := audit.Append(ctx, tx, time.Now(), audit.Record{Actor: audit.System("t"), Action: "x"}); err != nil {
				return err
			}
			return errors.New("abort")
		})
		appendN(t, d, 1)
		rep, err := audit.Verify(ctx, d.Read())
		if err != nil || rep.Entries != 3 {
			t.Fatalf("verify = %+v, %v", rep, err)
		}
	})
}
