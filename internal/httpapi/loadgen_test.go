package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The event intake's load generator runs in a process of its own, as
// vegeta or wrk2 do from the command line. In the server's process it
// shared the server's collector and scheduler: its allocations started the
// server's collections and its goroutines queued for the cores with the
// handlers, which no deployed server has to bear. The test binary starts
// itself again as the generator (TestMain), with the attack described in
// an environment variable and the report bodies in a file.

// loadgenEnv holds the attack a test binary started as the load generator
// runs (a loadSpec in JSON).
const loadgenEnv = "GRIDGOV_BENCH_LOADGEN"

func TestMain(m *testing.M) {
	if spec := os.Getenv(loadgenEnv); spec != "" {
		if err := runLoadgen(spec); err != nil {
			fmt.Fprintln(os.Stderr, "load generator:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// loadSpec is one attack at a fixed rate.
type loadSpec struct {
	URL      string        `json:"url"`
	Token    string        `json:"token"`
	Bodies   string        `json:"bodies"` // a file of bodies, one a line
	Rate     int           `json:"rate"`
	Duration time.Duration `json:"duration"`
}

// runLoadgen runs the attack spec describes and writes its metrics to
// standard output.
func runLoadgen(spec string) error {
	var s loadSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		return fmt.Errorf("%s: %w", loadgenEnv, err)
	}
	f, err := os.Open(s.Bodies)
	if err != nil {
		return err
	}
	defer f.Close()
	var bodies [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		bodies = append(bodies, bytes.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", s.Bodies, err)
	}
	if len(bodies) == 0 {
		return fmt.Errorf("%s: no bodies", s.Bodies)
	}
	m := attack(s.URL, s.Token, bodies, s.Rate, s.Duration)
	return json.NewEncoder(os.Stdout).Encode(&m)
}

// loadgen attacks from a child process, or from this one when
// GRIDGOV_BENCH_INTAKE_LOADGEN=inprocess (for comparison with runs before
// the generator had a process of its own).
type loadgen struct {
	bodies    [][]byte
	file      string
	inProcess bool
}

func newLoadgen(b *testing.B, bodies [][]byte) *loadgen {
	g := &loadgen{bodies: bodies, inProcess: os.Getenv("GRIDGOV_BENCH_INTAKE_LOADGEN") == "inprocess"}
	if g.inProcess {
		return g
	}
	var buf bytes.Buffer
	for i, body := range bodies {
		if bytes.IndexByte(body, '\n') >= 0 {
			b.Fatalf("report body %d holds a line break", i)
		}
		buf.Write(body)
		buf.WriteByte('\n')
	}
	g.file = filepath.Join(b.TempDir(), "bodies.jsonl")
	if err := os.WriteFile(g.file, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	return g
}

// attack posts the bodies to url at rate for d and returns the metrics
// and the CPU the generator used, zero when it ran in this process.
func (g *loadgen) attack(url, token string, rate int, d time.Duration) (vegeta.Metrics, time.Duration, error) {
	if g.inProcess {
		return attack(url, token, g.bodies, rate, d), 0, nil
	}
	spec, err := json.Marshal(loadSpec{URL: url, Token: token, Bodies: g.file, Rate: rate, Duration: d})
	if err != nil {
		return vegeta.Metrics{}, 0, err
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), loadgenEnv+"="+string(spec))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return vegeta.Metrics{}, 0, fmt.Errorf("load generator: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	var m vegeta.Metrics
	if err := json.Unmarshal(out, &m); err != nil {
		return vegeta.Metrics{}, 0, fmt.Errorf("load generator's metrics: %w", err)
	}
	if m.Requests == 0 {
		return vegeta.Metrics{}, 0, errors.New("load generator sent nothing")
	}
	return m, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}
