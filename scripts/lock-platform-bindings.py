#!/usr/bin/env python3
"""Adds lockfile entries for unrs-resolver's platform bindings that the npm registry mirror of
these machines does not serve (its 404 leaves them out of package-lock.json, and `npm ci` then
refuses the lock as out of sync). The entries carry os/cpu/libc, so npm skips them on every
other platform and never tries to download them here. Run after changing devDependencies."""
import json, re, sys

path = sys.argv[1] if len(sys.argv) > 1 else 'package-lock.json'
lock = json.load(open(path))
packages = lock['packages']
parent = next(v for k, v in packages.items() if k.endswith('node_modules/unrs-resolver'))
added = []
for name, version in (parent.get('optionalDependencies') or {}).items():
    key = f'node_modules/{name}'
    if key in packages:
        continue
    m = re.match(r'@unrs/resolver-binding-(android|darwin|freebsd|linux|openharmony|win32|wasm32)-([a-z0-9]+)(?:-(gnueabihf|musleabihf|gnu|musl|eabi|msvc))?$', name)
    # android-arm-eabi is the one name without a cpu/abi split the pattern knows
    os_, cpu, abi = m.groups() if m else ('android', 'arm', 'eabi')
    entry = {'version': version, 'cpu': [cpu], 'dev': True, 'license': 'MIT', 'optional': True, 'os': [os_]}
    if os_ == 'linux':
        entry['libc'] = ['musl' if abi and 'musl' in abi else 'glibc']
    packages[key] = dict(sorted(entry.items()))
    added.append(name)
lock['packages'] = dict(sorted(packages.items(), key=lambda kv: (kv[0] != '', kv[0])))
json.dump(lock, open(path, 'w'), indent=2)
open(path, 'a').write('\n')
print('added', len(added), 'entries:', ', '.join(added))
