Imports System
Imports System.Text

' Converts temperatures and classifies them.
Namespace Weather
    Public Class Thermometer
        Private _total As Double = 0
        Private _count As Integer = 0
        Private _lowest As Double = Double.MaxValue

        Public Sub Record(celsius As Double)
            _total += celsius
            _count += 1
            If celsius < _lowest Then
                _lowest = celsius
            End If
        End Sub

        Public Function Average() As Double
            If _count = 0 Then
                Return 0
            End If
            Return _total / _count
        End Function

        Public Function Repeat(text As String, times As Integer) As String
            Dim sb As StringBuilder = New StringBuilder()
            For i As Integer = 1 To times
                sb.Append(text)
            Next
            Return sb.ToString()
        End Function

        Public Shared Function Describe(celsius As Double) As String
            Select Case celsius
                Case Is < 0
                    Return "freezing"
                Case 0 To 20
                    Return "mild"
                Case Else
                    Return "warm"
            End Select
        End Function
    End Class

    Module Program
        Sub Main()
            Dim t As Thermometer = New Thermometer()
            t.Record(-2.5)
            t.Record(18.0)
            Console.WriteLine("Average: " & t.Average().ToString())
            Console.WriteLine(Thermometer.Describe(t.Average()))
        End Sub
    End Module
End Namespace
