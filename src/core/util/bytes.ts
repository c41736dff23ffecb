// Bytes helpers shared by the reading side (lines) and the writing side (batches of frames).

/** The chunks as one array, one allocation; a single chunk is returned as is. `totalBytes` saves a pass. */
export function concatBytes(chunks: readonly Uint8Array[], totalBytes?: number): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  let length = totalBytes;
  if (length === undefined) {
    length = 0;
    for (const chunk of chunks) length += chunk.byteLength;
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
