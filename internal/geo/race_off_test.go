//go:build !race

package geo

// raceEnabled shrinks the largest test inputs: the race detector slows code 5–20×.
const raceEnabled = false
