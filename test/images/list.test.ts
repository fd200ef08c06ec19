import assert from 'node:assert/strict';
import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listImages } from '../../src/images/index.js';
import { assertFailsWith, put, tempDir } from './helpers.js';

/** Creates `files` (relative path → content) under `root`. */
async function tree(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), content);
  }
}

describe('listImages on a folder', () => {
  it('recurses, skips hidden files/folders and non-images, and sorts by code units', async () => {
    const root = await tempDir();
    await tree(root, {
      'b.jpg': 'bb',
      'a.jpg': 'a',
      'a/c.PNG': 'ccc',
      'a/.hidden.jpg': 'x',
      '.git/x.jpg': 'x',
      'A.webp': 'AAAA',
      'z/y/deep.tiff': 'd',
      'ä.jpeg': 'u',
      'notes.txt': 'n',
      'old.bmp': 'b',
      'vector.svg': '<svg/>',
      'photo.HEIC': 'h',
      'anim.gif': 'g',
    });
    const entries = await listImages(root);
    // Code-unit order: 'A' (0x41) < 'a' (0x61); 'a.jpg' < 'a/c.PNG' because '.' (0x2E) < '/' (0x2F);
    // 'ä' (0xE4) after every ASCII name. A locale sort would order these differently.
    assert.deepEqual(entries.map((e) => e.relPath), [
      'A.webp', 'a.jpg', 'a/c.PNG', 'anim.gif', 'b.jpg', 'photo.HEIC', 'z/y/deep.tiff', 'ä.jpeg',
    ]);
    const c = entries.find((e) => e.relPath === 'a/c.PNG');
    assert.equal(c?.path, join(root, 'a', 'c.PNG'));
    assert.equal(c?.bytes, 3);
    assert.equal(entries.find((e) => e.relPath === 'A.webp')?.bytes, 4);
    assert.ok(entries.every((e) => e.missing === undefined));
  });

  it('gives the same order on every call', async () => {
    const root = await tempDir();
    const names = ['q.jpg', 'B.jpg', '10.jpg', '9.jpg', 'b/1.jpg', 'a-b.jpg', 'a_b.jpg'];
    await tree(root, Object.fromEntries(names.map((n) => [n, n])));
    const first = (await listImages(root)).map((e) => e.relPath);
    assert.deepEqual(first, ['10.jpg', '9.jpg', 'B.jpg', 'a-b.jpg', 'a_b.jpg', 'b/1.jpg', 'q.jpg']);
    assert.deepEqual((await listImages(root)).map((e) => e.relPath), first);
  });

  it('follows symlinked files and folders, survives a symlink loop and lists dangling image links as broken', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await tree(outside, { 'real.png': 'png!', 'sub/inner.jpg': 'j' });
    await tree(root, { 'own.jpg': 'o' });
    await symlink(join(outside, 'real.png'), join(root, 'linked.png'));
    await symlink(join(outside, 'sub'), join(root, 'linkdir'));
    await symlink(root, join(root, 'loop')); // a folder containing itself
    await symlink(join(outside, 'gone.jpg'), join(root, 'dangling.jpg'));
    await symlink(join(outside, 'gone.txt'), join(root, 'dangling.txt')); // not an image: ignored
    const entries = await listImages(root);
    assert.deepEqual(entries.map((e) => e.relPath), ['dangling.jpg', 'linkdir/inner.jpg', 'linked.png', 'own.jpg']);
    const dangling = entries.find((e) => e.relPath === 'dangling.jpg');
    assert.deepEqual([dangling?.missing, dangling?.brokenLink, dangling?.bytes], [true, true, 0]);
    assert.ok(entries.filter((e) => e !== dangling).every((e) => !e.missing && typeof e.mtimeMs === 'number'));
    const linked = entries.find((e) => e.relPath === 'linked.png');
    assert.equal(linked?.bytes, 4, 'size of the link target, not of the link');
    assert.equal(linked?.path, join(root, 'linked.png'));
  });

  it('honours a custom extension list', async () => {
    const root = await tempDir();
    await tree(root, { 'a.jpg': 'a', 'b.svg': 'b', 'c.png': 'c' });
    const entries = await listImages(root, { extensions: ['svg', '.PNG'] });
    assert.deepEqual(entries.map((e) => e.relPath), ['b.svg', 'c.png']);
  });

  it('fails on a folder without images, naming it', async () => {
    const root = await tempDir();
    await tree(root, { 'readme.txt': 'x', 'scan.bmp': 'x', '.hidden.jpg': 'x', 'sub/empty.txt': '' });
    await assertFailsWith(listImages(root), 'input', /no images found in/, new RegExp(root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), /\.jpg/);
  });

  it('fails on a missing source, naming it', async () => {
    const root = await tempDir();
    const missing = join(root, 'nope');
    await assertFailsWith(listImages(missing), 'input', /does not exist/, /nope/);
  });

  it('treats a single image file as a one-image collection', async () => {
    const root = await tempDir();
    const path = await put(root, 'one.JPG', 'xyz');
    const { mtimeMs } = await stat(path);
    assert.deepEqual(await listImages(path), [{ path, relPath: 'one.JPG', bytes: 3, mtimeMs }]);
  });
});

describe('listImages on a list file', () => {
  it('keeps the file order, resolves relative and absolute paths, ignores comments and blank lines', async () => {
    const root = await tempDir();
    const other = await tempDir();
    await tree(root, { 'imgs/b.jpg': 'bb', 'imgs/a.png': 'a', 'c d.webp': 'cc' });
    const absolute = await put(other, 'abs.jpg', 'abs!');
    const list = await put(
      root,
      'list.txt',
      `\uFEFF# my collection\r\nimgs/b.jpg\r\n\r\n   # indented comment\n  c d.webp  \n${absolute}\nimgs/missing.jpg\nimgs/a.png\nimgs/b.jpg\n`,
    );
    const entries = await listImages(list);
    assert.deepEqual(
      entries.map((e) => [e.relPath, e.bytes, e.missing ?? false]),
      [
        ['imgs/b.jpg', 2, false],
        ['c d.webp', 2, false],
        [join('..', other.split('/').pop() as string, 'abs.jpg').replace(/\\/g, '/'), 4, false],
        ['imgs/missing.jpg', 0, true],
        ['imgs/a.png', 1, false],
        ['imgs/b.jpg', 2, false],
      ],
    );
    assert.equal(entries[0]?.path, join(root, 'imgs', 'b.jpg'));
    assert.equal(entries[2]?.path, absolute);
    assert.equal(entries[3]?.path, join(root, 'imgs', 'missing.jpg'));
  });

  it('fails on a list with only comments and blank lines', async () => {
    const root = await tempDir();
    const list = await put(root, 'empty.txt', '# nothing here\n\n   \n');
    await assertFailsWith(listImages(list), 'input', /names no images/, /empty\.txt/);
  });

  it('fails on a binary file that is neither a listed image type nor a list', async () => {
    const root = await tempDir();
    const bmp = await put(root, 'picture.bmp', Buffer.from([0x42, 0x4d, 0, 0, 0, 0, 1, 2]));
    await assertFailsWith(listImages(bmp), 'input', /picture\.bmp/, /not .*text list/);
  });
});
