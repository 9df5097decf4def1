package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/camsdesk/camsdesk/device"
)

// otherValue is a valid value of p that differs from its sample.
func otherValue(p device.Param) string {
	switch p.Kind {
	case device.ParamUserID:
		return "7"
	case device.ParamText:
		switch {
		case strings.HasSuffix(p.Name, "Index"):
			return "1"
		case p.Name == "OffSet":
			return "50"
		}
		return "Ravi"
	case device.ParamUserType:
		return "Admin"
	case device.ParamCard:
		return "99887766"
	case device.ParamPIN:
		return "1234"
	case device.ParamDateTime:
		if strings.Contains(p.Name, "End") {
			return "2025-02-02 18:00:00"
		}
		return "2025-02-01 08:00:00"
	case device.ParamChoice:
		if len(p.Choices) > 1 {
			return p.Choices[1]
		}
	}
	return p.Sample
}

// typeInto enters v in the field as a person would where the field takes typing.
func typeInto(t *testing.T, f paramField, v string) {
	t.Helper()
	switch f := f.(type) {
	case *textField:
		f.entry.SetText("")
		test.Type(f.entry, v)
	case *dateTimeField:
		f.entry.SetText("")
		test.Type(f.entry, v)
	case *choiceField:
		f.sel.SetSelected(v)
	case *blobField:
		f.setValue(v)
		f.host.changed()
	default:
		t.Fatalf("unknown field %T", f)
	}
}

func TestEditorRoundTripAllOperations(t *testing.T) {
	testWindow(t, nil)
	ops := device.Catalog()
	if len(ops) != 27 {
		t.Fatalf("the catalogue has %d operations, want 27", len(ops))
	}
	for _, op := range ops {
		t.Run(op.Name, func(t *testing.T) {
			ed := newOpEditor(op, fieldHost{})
			// Prefilled with the samples, the JSON is the sample request.
			sample, err := op.Build(op.Samples())
			if err != nil {
				t.Fatalf("samples do not build: %v", err)
			}
			if got, want := ed.raw.Text, requestJSON(sample); got != want {
				t.Fatalf("prefilled JSON:\n%s\nwant\n%s", got, want)
			}
			if plan, err := ed.plan(); err != nil || plan.raw != nil {
				t.Fatalf("sample plan = %+v, %v; want the form's request", plan, err)
			}

			// Form → JSON: typing other values rewrites the JSON.
			want := device.Params{}
			for _, p := range op.Params {
				want[p.Name] = otherValue(p)
				typeInto(t, ed.fields[p.Name], want[p.Name])
			}
			req, err := op.Build(want)
			if err != nil {
				t.Fatalf("other values do not build: %v", err)
			}
			text := requestJSON(req)
			if ed.raw.Text != text {
				t.Fatalf("JSON after typing:\n%s\nwant\n%s", ed.raw.Text, text)
			}

			// JSON → form: a fresh editor given that JSON shows the same values.
			back := newOpEditor(op, fieldHost{})
			back.setJSON(text)
			for _, p := range op.Params {
				if got := back.fields[p.Name].value(); got != want[p.Name] {
					t.Errorf("%s: form shows %q after JSON, want %q", p.Name, got, want[p.Name])
				}
			}
			if back.raw.Text != text {
				t.Errorf("the JSON changed while filling the form:\n%s", back.raw.Text)
			}
			plan, err := back.plan()
			if err != nil || plan.raw != nil || plan.op.Name != op.Name {
				t.Errorf("plan after JSON = %+v, %v; want the form's request of %s", plan, err, op.Name)
			}
		})
	}
}
