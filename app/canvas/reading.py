"""Mouse and key interaction of the canvas with one reading: placement, handle drags, contour."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt

from app.canvas import tools
from core.edits import ConfirmSuggested, ReadingDoc, SetContour, SetLandmarks
from core.geometry import (
    GeometryError,
    Point,
    Spacing,
    contour_measure,
    drag_axis_point,
    drag_width_endpoint,
    measure,
    snap_mid_length,
    spacing_or_unknown,
)

if TYPE_CHECKING:
    from app.canvas.view import ReadingCanvas

VERTEX_GRAB_PX = 8.0
HANDLE_TEXT = {"apex": "apex", "hinge_a": "hinge A", "hinge_b": "hinge B", "w1": "W1", "w2": "W2"}
LOCKED_HINT = "Reading locked (submitted or approved): reopen it to edit"


class ReadingInteraction:
    """Turns canvas gestures into core.edits edits on the shown ReadingDoc (never edits it)."""

    def __init__(self, canvas: ReadingCanvas) -> None:
        self.canvas = canvas
        self.doc: ReadingDoc | None = None
        self.locked = False
        self.contour_mode = False
        self.placement: tools.PlacementTool | None = None
        self.contour_tool = tools.ContourTool()
        self.selected_vertex: int | None = None
        self._drag: dict | None = None
        self._unsubscribe = None
        self._lines: list[str] = []
        self._chord: tuple[Point, Point] | None = None
        self._placement_error = ""

    # -- state ---------------------------------------------------------------------------------

    def set_doc(self, doc: ReadingDoc | None, *, locked: bool) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.abort_gestures()
        self.placement = None
        self.doc = doc
        self.locked = bool(locked)
        if doc is not None:
            self._unsubscribe = doc.subscribe(self.canvas.refresh)
            if doc.landmarks is None and not self.locked:
                self.placement = tools.PlacementTool()
        self.canvas.layer.set_interactive(not self.locked)
        self.canvas.refresh()

    def set_locked(self, locked: bool) -> None:
        self.locked = bool(locked)
        if self.locked:
            self.abort_gestures()
            self.placement = None
        self.canvas.layer.set_interactive(not self.locked)
        self.canvas.refresh()

    def editable(self) -> bool:
        return self.doc is not None and not self.locked

    def spacing(self) -> Spacing:
        return spacing_or_unknown(self.canvas.spacing())  # in pixels, and says so

    def abort_gestures(self) -> None:
        """Drop what is in progress without emitting anything (the frame or doc changes)."""
        self._drag = None
        self.contour_tool.cancel()
        self.selected_vertex = None
        if self.placement is not None:
            self.placement.points = []

    def start_placement(self) -> None:
        if not self.editable():
            self.canvas.refresh()
            return
        self.contour_mode = False
        self.contour_tool.cancel()
        self.placement = tools.PlacementTool()
        self._placement_error = ""
        self.canvas.refresh()

    def set_contour_mode(self, on: bool) -> None:
        self.contour_mode = bool(on)
        self.contour_tool.cancel()
        self.selected_vertex = None
        self.canvas.refresh()

    def cancel_step(self) -> bool:
        """Esc: revert a drag, drop a placement or an open polygon in progress."""
        if self._drag is not None:
            self._revert_drag()
            return True
        if self.contour_tool.cancel():
            self.canvas.refresh()
            return True
        if self.placement is not None:
            had_points = bool(self.placement.points)
            self.placement.points = []
            if self.doc is not None and self.doc.landmarks is not None:
                self.placement = None  # back to editing the landmarks already there
            self.canvas.refresh()
            return had_points or self.placement is None
        return False

    def _revert_drag(self) -> None:
        drag, self._drag = self._drag, None
        if drag["moved"] and self.doc is not None:
            if drag["kind"] == "handle":
                edit = SetLandmarks(self.doc.landmarks, drag["start"], merge_key=drag["key"])
            else:
                edit = SetContour(self.doc.contour, drag["start"], merge_key=drag["key"])
            edit.text = drag["text"]
            self.canvas.editRequested.emit(edit)
        self.canvas.refresh()

    # -- commands ------------------------------------------------------------------------------

    def snap_mid_length(self) -> None:
        if self.editable() and self.doc.landmarks is not None:
            after = snap_mid_length(self.doc.landmarks, self.spacing())
            self._emit(SetLandmarks(self.doc.landmarks, after, text="Snap width to mid-length"))

    def confirm_suggestions(self) -> None:
        if self.editable() and self.doc.suggested:
            self._emit(ConfirmSuggested())

    def clear_contour(self) -> None:
        if self.editable() and self.doc.contour is not None:
            self._emit(SetContour(self.doc.contour, None, text="Remove contour"))

    def _emit(self, edit, *, finished: bool = True) -> None:
        self.canvas.editRequested.emit(edit)
        if finished:
            self.canvas.dragFinished.emit()

    # -- mouse ---------------------------------------------------------------------------------

    def press(self, button: Qt.MouseButton, viewport_pos: QPointF) -> bool:
        """Handle a press; False leaves it to the view (right button: window/level)."""
        if self.doc is None:
            return False
        pos = self._image_pos(viewport_pos)
        if button == Qt.MouseButton.RightButton:
            return self.contour_mode and self.editable() and self._delete_vertex_at(pos)
        if button != Qt.MouseButton.LeftButton:
            return False
        if not self.editable():
            return True  # locked: nothing moves
        if self.contour_mode:
            self._contour_press(pos)
        elif self.placement is not None:
            self._placement_click(pos)
        else:
            if self.doc.landmarks is None:
                return False
            name = tools.landmark_at(self.doc.landmarks, pos, scale=self.canvas.zoom())
            if name is None:
                return False
            self._start_drag("handle", name, self.doc.landmarks, f"Move {HANDLE_TEXT[name]}")
        return True

    def move(self, viewport_pos: QPointF) -> None:
        drag = self._drag
        if drag is None and self.contour_tool.drawing:
            # Rubber band: the polygon being drawn follows the cursor to the next vertex.
            rubber = [*self.contour_tool.open_points, self._image_pos(viewport_pos)]
            self.canvas.layer.show_open_polygon(rubber)
            return
        if drag is None or self.doc is None:
            return
        pos = self._image_pos(viewport_pos)
        if drag["kind"] == "handle" and self.doc.landmarks is not None:
            before = self.doc.landmarks
            try:
                if drag["name"] in ("w1", "w2"):
                    after = drag_width_endpoint(before, drag["name"], pos, self.spacing())
                else:
                    after = drag_axis_point(before, drag["name"], pos, self.spacing())
            except GeometryError:
                return  # e.g. the apex dragged onto the hinge midpoint: keep the last good state
            edit = SetLandmarks(
                before, after, merge_key=drag["key"], text=drag["text"], moved=(drag["name"],)
            )
        elif drag["kind"] == "vertex" and self.doc.contour is not None:
            after = tools.move_vertex(self.doc.contour, drag["name"], pos)
            edit = SetContour(self.doc.contour, after, merge_key=drag["key"], text=drag["text"])
        else:
            return
        drag["moved"] = True
        self.canvas.editRequested.emit(edit)

    def release(self, viewport_pos: QPointF) -> None:
        drag, self._drag = self._drag, None
        if drag is None:
            return
        self.canvas.viewport().unsetCursor()
        if drag["moved"]:
            self.canvas.dragFinished.emit()

    def delete_key(self) -> bool:
        if self.placement is not None and self.placement.step_back():
            self.canvas.refresh()
            return True
        if not (self.contour_mode and self.editable() and self.doc.contour):
            return False
        if self.selected_vertex is None:
            return False
        return self._delete_vertex(self.selected_vertex)

    def _start_drag(self, kind: str, name, start, text: str, key=None) -> None:
        key = key or self.canvas.new_merge_key(f"drag-{kind}")
        self._drag = {"kind": kind, "name": name, "start": start, "key": key, "text": text}
        self._drag["moved"] = False
        self.canvas.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)

    def _image_pos(self, viewport_pos: QPointF) -> Point:
        """The scene point under the cursor, clamped to the frame (half-pixel border allowed)."""
        point = self.canvas.scene_point(viewport_pos)
        x, y = point.x(), point.y()
        pixels = self.canvas.pixels()
        if pixels is not None:
            rows, cols = pixels.shape
            x = min(max(x, -0.5), cols - 0.5)
            y = min(max(y, -0.5), rows - 0.5)
        return (x, y)

    def _placement_click(self, pos: Point) -> None:
        self._placement_error = ""
        try:
            landmarks = self.placement.click(pos, self.canvas.pixels(), self.spacing())
        except GeometryError as exc:
            self._placement_error = str(exc)
            landmarks = None
        if landmarks is not None:
            self.placement = None
            self._emit(SetLandmarks(self.doc.landmarks, landmarks, text="Place landmarks"))
        self.canvas.refresh()

    # -- contour -------------------------------------------------------------------------------

    def _contour_press(self, pos: Point) -> None:
        scale = self.canvas.zoom()
        contour = self.doc.contour
        if self.contour_tool.drawing or not contour:
            closed = self.contour_tool.click_open(pos, scale=scale, tolerance_px=VERTEX_GRAB_PX)
            if closed is not None:
                self._emit(SetContour(contour, closed, text="Draw contour"))
            self.canvas.refresh()
            return
        index = tools.vertex_at(contour, pos, scale=scale, tolerance_px=VERTEX_GRAB_PX)
        if index is not None:
            self.selected_vertex = index
            self._start_drag("vertex", index, list(contour), "Move contour vertex")
            self.canvas.refresh()
            return
        edge = tools.edge_at(contour, pos, scale=scale, tolerance_px=VERTEX_GRAB_PX)
        if edge is not None:
            key = self.canvas.new_merge_key("insert-vertex")
            after = tools.insert_vertex(contour, edge, pos)
            self._start_drag("vertex", edge + 1, list(contour), "Insert contour vertex", key)
            self._drag["moved"] = True  # the insertion itself is an edit to save
            self.selected_vertex = edge + 1
            self.canvas.editRequested.emit(
                SetContour(contour, after, merge_key=key, text="Insert contour vertex")
            )

    def _delete_vertex_at(self, pos: Point) -> bool:
        contour = self.doc.contour
        if not contour:
            return False
        index = tools.vertex_at(contour, pos, scale=self.canvas.zoom(), tolerance_px=VERTEX_GRAB_PX)
        return index is not None and self._delete_vertex(index)

    def _delete_vertex(self, index: int) -> bool:
        after = tools.delete_vertex(self.doc.contour, index)
        if after is None:
            return False  # a polygon needs three vertices; remove the contour instead
        self.selected_vertex = None
        self._emit(SetContour(self.doc.contour, after, text="Delete contour vertex"))
        return True

    # -- drawing -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Sync the scene items and the measurement lines with the document."""
        layer = self.canvas.layer
        doc = self.doc
        landmarks = doc.landmarks if doc is not None else None
        texts = self._measure(landmarks)
        if self.placement is not None and self.placement.points:
            layer.show_partial(self.placement.points)
        else:
            layer.show_landmarks(landmarks, doc.suggested if doc else None, **texts)
        contour = doc.contour if doc is not None else None
        self._measure_contour(contour, landmarks)
        layer.show_contour(
            contour, self._chord, self.selected_vertex, self.contour_tool.open_points
        )
        cursor = Qt.CursorShape.CrossCursor
        if not (self.editable() and (self.placement is not None or self.contour_mode)):
            cursor = Qt.CursorShape.ArrowCursor
        if self._drag is None:
            self.canvas.viewport().setCursor(cursor)

    def _measure(self, landmarks) -> dict[str, str]:
        self._lines = []
        if landmarks is None:
            return {}
        known = self.canvas.spacing() is not None
        unit = "mm" if known else "px"
        try:
            m = measure(landmarks, self.spacing())
        except GeometryError as exc:
            self._lines = [f"Landmarks not valid: {exc}"]
            return {}
        line = f"Length {m.length_mm:.1f} {unit}   Width {m.width_mm:.1f} {unit}   SI {m.si:.3f}"
        self._lines = [line if known else line + "   (spacing unknown: px)"]
        return {
            "length_text": f"{m.length_mm:.1f} {unit}",
            "width_text": f"{m.width_mm:.1f} {unit}",
        }

    def _measure_contour(self, contour, landmarks) -> None:
        self._chord = None
        if not contour or landmarks is None or self.contour_tool.drawing:
            return
        unit = "mm" if self.canvas.spacing() is not None else "px"
        try:
            cm = contour_measure(contour, landmarks, self.spacing())
        except GeometryError as exc:
            self._lines.append(f"Contour not valid: {exc}")
            return
        self._chord = cm.chord
        self._lines.append(
            f"Contour width {cm.width_mm:.1f} {unit}   volumetric SI {cm.si_volumetric:.3f}"
        )

    def hint(self) -> str:
        if self.doc is None:
            return ""
        if self.locked:
            return LOCKED_HINT
        if self.contour_mode:
            if self.contour_tool.drawing:
                return "Click the next border point; click the first point to close (Esc cancels)"
            if self.doc.contour:
                return "Drag a vertex; click an edge to insert one; right-click or Del deletes"
            return "Contour: click the endocardial border point by point"
        if self.placement is not None:
            if self._placement_error:
                error = self._placement_error
                return f"{error[:1].upper()}{error[1:]}. {self.placement.hint}"
            return self.placement.hint + ("   (Esc cancels)" if self.placement.points else "")
        if self.doc.suggested:
            return "Suggested points are dashed: drag to correct, or confirm them"
        return "Drag any handle to adjust; the width stays perpendicular to the long axis"

    def summary(self) -> dict:
        return {"lines": list(self._lines), "locked": self.locked and self.doc is not None}
