package example.build

import groovy.transform.CompileStatic

// Collects release notes from commit messages.
@CompileStatic
class ReleaseNotes {
    String version
    List<String> entries = []

    void add(String message) {
        if (message.startsWith('feat:')) {
            entries << message.substring(5).trim()
        }
    }

    String render() {
        def header = "## ${version}"
        def lines = entries.collect { "- $it" }
        return ([header] + lines).join('\n')
    }
}

def notes = new ReleaseNotes(version: '1.2.0')
def messages = ['feat: add watch mode', 'chore: bump deps', 'feat: json output']
for (m in messages) {
    notes.add(m)
}
println(notes.render())
assert notes.entries.size() == 2
