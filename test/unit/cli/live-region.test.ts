// The live region's arithmetic: lines cut to the screen so each takes one row, a region never
// taller than the screen, and a redraw that erases exactly the rows the last frame took.
import { expect } from 'chai';
import { cellWidth, rowsTaken, truncateCells, wrapCells } from '../../../src/cli/output/cells.js';
import { clock } from '../../../src/cli/output/words.js';
import { DETAIL, fitOutput } from '../../../src/cli/output/compact-renderer.js';
import { LiveRegion, liveRegionHeight, type ScreenSize } from '../../../src/cli/output/live-region.js';

function region(size: ScreenSize): { region: LiveRegion; writes: string[] } {
  const writes: string[] = [];
  return {
    region: new LiveRegion(
      (text) => writes.push(text),
      () => size,
    ),
    writes,
  };
}

describe('live region', () => {
  it('measures cells: colours take none, CJK and emoji two, combining marks none', () => {
    expect(cellWidth('\x1b[31m✖\x1b[39m lb1')).to.equal(5);
    expect(cellWidth('日本')).to.equal(4);
    expect(cellWidth('e\u0301')).to.equal(1);
  });

  it('cuts a line to the width with an ellipsis, never splitting a wide character over the edge', () => {
    expect(truncateCells('lb1: director (MASTER)', 40)).to.equal('lb1: director (MASTER)');
    expect(truncateCells('keepalived 1.2.0 built with LVS', 12)).to.equal('keepalived …');
    expect(cellWidth(truncateCells('日本語のホスト名', 6))).to.be.at.most(6);
  });

  it('wraps a permanent line at spaces, its continuation indented; a word too long is cut', () => {
    expect(wrapCells('  ✔ Redis installed: apt-get install redis-server', 30, '    ')).to.deep.equal([
      '  ✔ Redis installed: apt-get',
      '    install redis-server',
    ]);
    const long = wrapCells(`x ${'a'.repeat(25)}`, 10, '  ');
    expect(long.every((line) => cellWidth(line) <= 10)).to.equal(true);
    expect(long.join('').replace(/\s/g, '')).to.equal(`x${'a'.repeat(25)}`);
  });

  it('is never taller than the screen, and leaves rows above it on a screen of any size', () => {
    expect(liveRegionHeight(24)).to.equal(20);
    expect(liveRegionHeight(50)).to.equal(46);
    expect(liveRegionHeight(6)).to.equal(5);
    expect(liveRegionHeight(1)).to.equal(1);
  });

  it('redraws in one write: erase the last frame, print what is permanent, draw the region', () => {
    const { region: live, writes } = region({ rows: 24, columns: 40 });
    live.update([], [{ text: 'a' }, { text: 'b' }]);
    expect(writes).to.deep.equal(['a\nb\n']);
    live.update(['done: a'], [{ text: 'b' }]);
    expect(writes[1]).to.equal('\r\x1b[2A\x1b[Jdone: a\nb\n');
    // Nothing new: nothing written.
    live.update([], [{ text: 'b' }]);
    expect(writes).to.have.length(2);
    live.clear();
    expect(writes[2]).to.equal('\r\x1b[1A\x1b[J');
  });

  it('cuts each region line to one row, colours added after the cut', () => {
    const { region: live, writes } = region({ rows: 24, columns: 20 });
    live.update([], [{ text: 'x'.repeat(50), paint: (text) => `<${text}>` }]);
    expect(writes[0]).to.equal(`<${'x'.repeat(18)}…>\n`);
  });

  it('after the screen narrowed, erases the rows the old lines wrapped onto', () => {
    const size = { rows: 24, columns: 40 };
    const { region: live, writes } = region(size);
    live.update([], [{ text: 'y'.repeat(30) }, { text: 'z' }]);
    size.columns = 20;
    live.update([], [{ text: 'z' }]);
    expect(rowsTaken(['y'.repeat(30), 'z'], 20)).to.equal(3);
    expect(writes[1]).to.equal('\r\x1b[3A\x1b[Jz\n');
  });

  it('shows elapsed time as a clock', () => {
    expect(clock(7_400)).to.equal('0:07');
    expect(clock(761_000)).to.equal('12:41');
    expect(clock(3_729_000)).to.equal('1:02:09');
  });

  it("a running step's name gives way to its clock and last line on a narrow screen, not the other way round", () => {
    const name = 'keepalived 1.2.0 built with LVS and installed';
    const detail = "(1:12): make[2]: Leaving directory '/usr/local/src/lbprov/keepalived-1.2.0/keepalived'";
    const output = `${name}${DETAIL}${detail}`;
    // Room to spare: both whole.
    expect(fitOutput(output, 200)).to.equal(`${name} ${detail}`);
    // 130 columns beside a host's label and clock (96 cells): the name whole (the region cuts the line's end).
    expect(fitOutput(output, 96)).to.equal(`${name} ${detail}`);
    // 80 columns (46 cells): the name down to 16 cells, the rest for the clock and the line.
    expect(fitOutput(output, 46)).to.equal(`keepalived 1.2.… ${detail}`);
    // A short detail: the name is cut only as much as the detail needs.
    expect(fitOutput(`${name}${DETAIL}(0:03): done`, 46)).to.equal(
      'keepalived 1.2.0 built with LVS … (0:03): done',
    );
    // No detail: the output as it is.
    expect(fitOutput(name, 10)).to.equal(name);
  });
});
