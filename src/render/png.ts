// RGBA pixels → PNG bytes with Node's zlib. resvg-js's asPng() copies the image again and deflates it with miniz
// at its default level: ~35 ms for a 1508×1048 chart on the 2-core bench machine, against ~5 ms for zlib at
// level 3 here, for a file of about the same size (~95 kB). Rows are stored unfiltered (filter type 0).
import { crc32, deflateSync } from "node:zlib";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** `rgba`: `width` × `height` pixels of 4 bytes, row after row, not premultiplied (opaque pixels are both). */
export function encodePng(rgba: Uint8Array, width: number, height: number, level = 3): Buffer {
  const stride = width * 4;
  if (!width || !height || rgba.length !== stride * height) {
    throw new Error(`encodePng: ${rgba.length} bytes are not ${width}×${height} RGBA pixels`);
  }
  const rows = Buffer.allocUnsafe((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    rows[y * (stride + 1)] = 0; // filter: none
    rows.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA; compression, filter method and interlace stay 0
  return Buffer.concat([SIGNATURE, chunk("IHDR", header), chunk("IDAT", deflateSync(rows, { level })), chunk("IEND", new Uint8Array(0))]);
}
