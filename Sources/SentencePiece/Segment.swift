/// One piece of a segmentation: a byte range of the normalised text and the id the model chose for it.
struct Segment: Sendable {
    var start: Int32
    var end: Int32
    var id: Int32
}
