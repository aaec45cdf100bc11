package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// importJobs are registry imports running after their upload was answered
// with 202, so that the uploader can follow a file of millions of rows. A
// job lives in the process that runs it and is kept an hour after it ends;
// an import cut short by a restart is resumed by uploading the file again
// (rows already stored come back unchanged).
type importJobs struct {
	mu   sync.Mutex
	jobs map[string]*importJob
}

type importJob struct {
	id, kind, file string
	userID         int64
	started        time.Time

	rows atomic.Int64
	read *countingReaderAt // nil when the format gives no byte position (xlsx)
	size int64

	mu       sync.Mutex
	finished time.Time
	result   *importResponse
	problem  *Problem
}

// importStatus is what GET /api/v1/registry/imports/{id} answers.
type importStatus struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	File  string `json:"file"`
	State string `json:"state"` // running, done, failed
	Rows  int64  `json:"rows"`
	// Fraction is the share of the file read, for CSV files; null otherwise.
	Fraction   *float64        `json:"fraction"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
	Result     *importResponse `json:"result,omitempty"`
	Problem    *Problem        `json:"problem,omitempty"`
}

func (j *importJob) status() importStatus {
	st := importStatus{ID: j.id, Kind: j.kind, File: j.file, State: "running", Rows: j.rows.Load(), StartedAt: j.started}
	if j.read != nil && j.size > 0 {
		f := min(1, float64(j.read.max.Load())/float64(j.size))
		st.Fraction = &f
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.finished.IsZero() {
		t := j.finished
		st.FinishedAt = &t
		st.Result, st.Problem = j.result, j.problem
		st.State = "done"
		if j.problem != nil {
			st.State = "failed"
		}
	}
	return st
}

func (j *importJob) finish(res *importResponse, prob *Problem) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.finished, j.result, j.problem = time.Now(), res, prob
	if res != nil {
		j.rows.Store(int64(res.Rows))
	}
}

func (js *importJobs) start(userID int64, kind, file string) *importJob {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	j := &importJob{id: hex.EncodeToString(b), kind: kind, file: file, userID: userID, started: time.Now()}
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.jobs == nil {
		js.jobs = map[string]*importJob{}
	}
	for id, old := range js.jobs {
		old.mu.Lock()
		expired := !old.finished.IsZero() && time.Since(old.finished) > time.Hour
		old.mu.Unlock()
		if expired {
			delete(js.jobs, id)
		}
	}
	js.jobs[j.id] = j
	return j
}

// get finds a job of the user; other users' jobs do not exist for them.
func (js *importJobs) get(userID int64, id string) (*importJob, bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	j, ok := js.jobs[id]
	if !ok || j.userID != userID {
		return nil, false
	}
	return j, true
}

// countingReaderAt remembers how far into a file reads have gone.
type countingReaderAt struct {
	r   io.ReaderAt
	max atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	end := off + int64(n)
	for {
		cur := c.max.Load()
		if end <= cur || c.max.CompareAndSwap(cur, end) {
			break
		}
	}
	return n, err
}
