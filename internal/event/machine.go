package event

import (
	"fmt"
	"slices"

	"github.com/gridgov/gridgov/internal/category"
)

// State is where an event stands in the closed loop.
type State string

const (
	Reported   State = "reported"   // 上报, waiting for a center to register it
	Registered State = "registered" // 立案, with a center that dispatches, self-handles or escalates it
	Dispatched State = "dispatched" // 派遣, waiting for the lead department to sign for it
	Handling   State = "handling"   // 处置中
	Handled    State = "handled"    // 已反馈, waiting for the center to verify
	Closed     State = "closed"     // 结案
	Rejected   State = "rejected"   // 不予立案
	Duplicate  State = "duplicate"  // merged into another event
	Parked     State = "parked"     // 挂账: not solvable now
	Voided     State = "voided"     // 作废
)

// states are the states in the order of the closed loop, then the ends
// that leave it.
var states = []State{Reported, Registered, Dispatched, Handling, Handled, Closed, Rejected, Duplicate, Parked, Voided}

// States lists every state in a stable order.
func States() []State { return slices.Clone(states) }

// Open reports whether the event still waits for someone.
func (s State) Open() bool {
	switch s {
	case Closed, Rejected, Duplicate, Voided:
		return false
	}
	return true
}

// Action is one transition a person can ask for.
type Action string

const (
	Register         Action = "register"
	Reject           Action = "reject"
	Merge            Action = "merge"
	SelfHandle       Action = "self_handle"
	Dispatch         Action = "dispatch"
	Escalate         Action = "escalate"
	Accept           Action = "accept"
	Return           Action = "return"
	RequestExtension Action = "request_extension"
	ApproveExtension Action = "approve_extension"
	RefuseExtension  Action = "refuse_extension"
	Feedback         Action = "feedback"
	Verify           Action = "verify"
	Rework           Action = "rework"
	Rate             Action = "rate"
	Reopen           Action = "reopen"
	Park             Action = "park"
	Unpark           Action = "unpark"
	Void             Action = "void"
	Supervise        Action = "supervise"
	Comment          Action = "comment"
)

// Party is the capacity in which someone acts on an event.
type Party string

const (
	// Center is a governance center (or an administrator) whose region
	// holds the event at its current level or above.
	Center Party = "center"
	// Dept is staff of a department the event is dispatched to.
	Dept Party = "department"
	// Worker is a grid worker (or member of the grid's team) whose scope
	// holds the event's grid.
	Worker Party = "worker"
	// Reporter is the resident who reported the event.
	Reporter Party = "reporter"
)

// transition is one row of the state machine.
type transition struct {
	from []State
	to   State // "" keeps the state
	by   []Party
	// note must be given (a reason, what was done).
	note bool
}

// machine is the closed loop of DESIGN.md; an action not listed for a
// state is refused.
var machine = map[Action]transition{
	Register:         {from: []State{Reported}, to: Registered, by: []Party{Center}},
	Reject:           {from: []State{Reported}, to: Rejected, by: []Party{Center}, note: true},
	Merge:            {from: []State{Reported, Registered}, to: Duplicate, by: []Party{Center}},
	SelfHandle:       {from: []State{Registered}, to: Handling, by: []Party{Center, Worker}},
	Dispatch:         {from: []State{Registered}, to: Dispatched, by: []Party{Center}},
	Escalate:         {from: []State{Reported, Registered}, to: Registered, by: []Party{Center}, note: true},
	Accept:           {from: []State{Dispatched}, to: Handling, by: []Party{Dept}},
	Return:           {from: []State{Dispatched}, to: Registered, by: []Party{Dept}, note: true},
	RequestExtension: {from: []State{Handling}, by: []Party{Dept, Worker}, note: true},
	ApproveExtension: {from: []State{Handling}, by: []Party{Center}},
	RefuseExtension:  {from: []State{Handling}, by: []Party{Center}, note: true},
	Feedback:         {from: []State{Handling}, to: Handled, by: []Party{Dept, Worker}, note: true},
	Verify:           {from: []State{Handled}, to: Closed, by: []Party{Center}},
	Rework:           {from: []State{Handled}, to: Handling, by: []Party{Center}, note: true},
	Rate:             {from: []State{Closed}, by: []Party{Reporter, Center}},
	Reopen:           {from: []State{Closed}, to: Registered, by: []Party{Center}, note: true},
	Park:             {from: []State{Registered, Dispatched, Handling}, to: Parked, by: []Party{Center}, note: true},
	Unpark:           {from: []State{Parked}, to: Registered, by: []Party{Center}},
	Void:             {from: []State{Reported, Registered, Dispatched, Handling, Handled, Parked}, to: Voided, by: []Party{Center}, note: true},
	Supervise:        {from: []State{Registered, Dispatched, Handling, Handled}, by: []Party{Center}, note: true},
	Comment:          {from: []State{Reported, Registered, Dispatched, Handling, Handled, Closed, Parked}, by: []Party{Center, Dept, Worker, Reporter}},
}

// Actions lists every action in a stable order.
func Actions() []Action {
	return slices.Clone(actionOrder)
}

// actionOrder is every action in a stable order, made once: the actions
// offered on an event are worked out for every answer that shows one.
var actionOrder = func() []Action {
	out := make([]Action, 0, len(machine))
	for a := range machine {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}()

// next checks an action against the machine: the state it leads to, or why
// it is refused.
func next(a Action, from State, parties []Party) (State, error) {
	t, ok := machine[a]
	if !ok {
		return "", fmt.Errorf("unknown action %q", a)
	}
	if !slices.Contains(t.from, from) {
		return "", fmt.Errorf("%s is not possible while the event is %s", a, from)
	}
	if !t.takenBy(parties) {
		return "", errNotYours
	}
	if t.to == "" {
		return from, nil
	}
	return t.to, nil
}

// permits is whether next allows a, without working out why not: most
// actions are refused on any one event, and the actions offered on it are
// worked out for every answer that shows it.
func permits(a Action, from State, parties []Party) bool {
	t, ok := machine[a]
	return ok && slices.Contains(t.from, from) && t.takenBy(parties)
}

// takenBy is whether one of the parties may take the transition.
func (t transition) takenBy(parties []Party) bool {
	for _, p := range parties {
		if slices.Contains(t.by, p) {
			return true
		}
	}
	return false
}

// Allowed lists the actions the machine lets the parties take in a state.
// What is offered on an event is narrower: the event's own rules (who leads
// it, whether it was rated, an extension waiting) decide too, see
// Service.may.
func Allowed(from State, parties []Party) []Action {
	out := []Action{}
	for _, a := range actionOrder {
		if permits(a, from, parties) {
			out = append(out, a)
		}
	}
	return out
}

// stepOf is the step whose time limit runs while an event is in a state.
func stepOf(s State) category.Step {
	switch s {
	case Reported:
		return category.Register
	case Registered:
		return category.Dispatch
	case Dispatched:
		return category.Receive
	case Handling:
		return category.Handle
	case Handled:
		return category.Verify
	}
	return ""
}
