import { uploadFilename } from './archive-upload.server.js';

describe('uploadFilename: the name an upload’s metadata gives its archive', () => {
  it('keeps a plain file name', () => {
    expect(uploadFilename({ filename: 'export.zip' })).toBe('export.zip');
    expect(uploadFilename({ filename: 'Garmin Export (2026).zip' })).toBe('Garmin Export (2026).zip');
  });

  it('drops folders (either slash), control characters and surrounding space; caps the length', () => {
    expect(uploadFilename({ filename: '../../etc/passwd' })).toBe('passwd');
    expect(uploadFilename({ filename: 'C:\\Users\\ana\\export.zip' })).toBe('export.zip');
    expect(uploadFilename({ filename: ' ex\u0000po\u001brt\u007f.zip\n' })).toBe('export.zip');
    expect(uploadFilename({ filename: `${'a'.repeat(300)}.zip` })).toHaveLength(255);
  });

  it('names an archive without a usable name', () => {
    expect(uploadFilename(undefined)).toBe('archive.zip');
    expect(uploadFilename({ filename: null })).toBe('archive.zip');
    expect(uploadFilename({ filename: '/' })).toBe('archive.zip');
  });
});
