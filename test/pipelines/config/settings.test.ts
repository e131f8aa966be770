import { urlSetting } from '../../../pipelines/config/settings';

describe('urlSetting', () => {
  it('reads a URL of an allowed scheme, and the fallback when unset', () => {
    expect(urlSetting({ U: 'https://h:8123/x' }, 'U', 'http://d', ['https:']).href).toBe('https://h:8123/x');
    expect(urlSetting({}, 'U', 'http://d:1', ['http:']).port).toBe('1');
  });

  it('names the setting and never repeats a password the refused value holds', () => {
    const refuse = (text: string) => () => urlSetting({ U: text }, 'U', 'http://d', ['http:', 'https:']);
    expect(refuse('ftp://alice:s3cret-pw@h:21/')).toThrow(/^U: "ftp:\/\/…@h:21\/" must use http: or https:/);
    for (const text of ['ftp://alice:s3cret-pw@h', 'ftp://:s3cret-pw@h/p?q=1']) {
      expect(refuse(text)).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
      );
    }
  });
});
