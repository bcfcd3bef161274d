import QtQuick 2.15
import QtQuick.Controls 2.15

// A small counter window.
ApplicationWindow {
    id: root
    width: 320
    height: 200
    visible: true
    title: qsTr("Counter")

    property int count: 0
    signal reset()

    function increment(step) {
        count += step
        if (count > 10) {
            root.reset()
        }
    }

    onReset: count = 0

    Column {
        anchors.centerIn: parent
        spacing: 8
        Label { text: "Count: " + root.count }
        Button {
            text: "Add"
            onClicked: root.increment(1)
        }
    }
}
