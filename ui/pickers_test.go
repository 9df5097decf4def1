package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"testing"

	"github.com/camsdesk/camsdesk/data"
)

func TestStoredTemplatePicker(t *testing.T) {
	svc, q := liveServices(t)
	if err := svc.startSimulation(SimulatedDeviceName); err != nil {
		t.Fatal(err)
	}
	sim := svc.Simulator
	sim.Gateway.StopPunches()
	p, _ := svc.Profile(SimulatedDeviceName)
	client, err := svc.Client(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := fillFromSimulation(context.Background(), sim, client); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	waitFor(t, q, "the users' templates", func() bool {
		users, _ := svc.Store.Users(ctx, data.UserFilter{})
		faces := 0
		for _, u := range users {
			faces += u.TemplateCounts[data.TemplateFace]
		}
		return len(users) >= simUsers && faces > 0
	})

	w := testWindow(t, nil)
	s := newOperationsScreen(svc, w)
	w.SetContent(s.content())
	_, ed, _ := s.selectOp("AddUserWithFace")
	face := ed.fields["Face"].(*blobField)
	face.onPickStored()
	picker := s.picker
	if picker == nil {
		t.Fatal("no picker shown")
	}
	waitFor(t, q, "users with a face", func() bool { return len(picker.rows) > 0 })
	picker.list.Select(0)
	waitFor(t, q, "the picked face", func() bool { return face.value() != ed.op.Samples()["Face"] })
	raw, err := base64.StdEncoding.DecodeString(face.value())
	if err != nil || !bytes.HasPrefix(raw, []byte{0xFF, 0xD8}) {
		t.Fatalf("picked face is not a base64 JPEG: %v", err)
	}
	if ed.formErr != nil {
		t.Fatalf("the form refuses the picked face: %v", ed.formErr)
	}
	if plan, err := ed.plan(); err != nil || plan.req.Add == nil || plan.req.Add.Template[0].Data != face.value() {
		t.Fatalf("plan after picking: %+v, %v", plan, err)
	}
}
