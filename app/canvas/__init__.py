"""The annotation canvas: ReadingCanvas shows a frame and edits one reading through core.edits.

API (fixed contract with the main window)::

    canvas = ReadingCanvas(parent)
    canvas.set_image(pixels, spacing, window)   # 2-D numpy frame; Spacing or None (unknown:
                                                # measurements in px, labelled so); window
                                                # (center, width) or None (auto, 1-99.5 pct)
    canvas.set_doc(doc, locked=False)           # core.edits.ReadingDoc or None; the canvas
                                                # re-renders when the doc notifies; locked
                                                # refuses every edit and shows a lock badge;
                                                # a doc without landmarks starts placement
    canvas.set_locked(bool)                     # status change without a new doc
    canvas.set_ghosts([(name, QColor, Landmarks), ...])   # other readers, dashed
    canvas.set_overlay(rgba or None, opacity)   # (rows, cols, 4) uint8, stretched to the frame
    canvas.start_placement()                    # apex -> hinge A -> hinge B -> width placed at
                                                # the maximal width (widest_width_from_image,
                                                # else default_width): one "Place landmarks" edit
    canvas.cancel_step()                        # Esc: reverts a drag (its undo step vanishes),
                                                # drops a placement / open polygon in progress
    canvas.set_contour_mode(bool)               # click polygon; click first vertex closes; click
                                                # an edge inserts; right-click / Del deletes
    canvas.snap_width_to_mid_length(); canvas.confirm_suggestions(); canvas.clear_contour()
    canvas.fit(); canvas.actual_size(); canvas.zoom_by(factor, anchor=None); canvas.zoom()
    canvas.set_window(center, width); canvas.window() -> (center, width)
    canvas.set_window_preset(name)              # render.WINDOW_PRESETS: auto, full, contrast
    canvas.hint() -> str

Signals: editRequested(object) (a core.edits edit: push app.undo.EditCommand(doc, edit) on the
QUndoStack, whose redo applies it), dragFinished() (a drag or click-placement ended: save now),
cursorMoved(x_px, y_px, value or None), hintChanged(str), windowChanged(center, width),
zoomChanged(screen px per image px).

Mouse: wheel zooms to the cursor; middle drag or space+left drag pans; right drag sets window
(horizontal: width, vertical: level); left drags handles. Every drag emits one edit per move with
one merge key, so one drag is one undo step.
"""

__all__ = ["ReadingCanvas"]


def __getattr__(name: str):
    # Imported on first use, so the Qt-free interaction code (app.canvas.tools) loads without Qt.
    if name == "ReadingCanvas":
        from app.canvas.view import ReadingCanvas

        return ReadingCanvas
    raise AttributeError(f"module 'app.canvas' has no attribute {name!r}")
