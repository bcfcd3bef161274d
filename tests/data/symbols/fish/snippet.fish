# Helpers for switching project directories.
set -gx PROJECTS_DIR $HOME/src

function proj --description 'cd into a project'
    if test (count $argv) -eq 0
        echo "usage: proj NAME" >&2
        return 1
    end
    set -l target $PROJECTS_DIR/$argv[1]
    if test -d $target
        cd $target
    else
        echo "no such project: $argv[1]"
    end
end

for dir in $PROJECTS_DIR/*
    switch (basename $dir)
        case '.*'
            continue
        case '*'
            abbr -a (basename $dir) "proj "(basename $dir)
    end
end
