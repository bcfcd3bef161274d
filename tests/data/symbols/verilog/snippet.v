// 8-bit up counter with synchronous reset and enable.
`timescale 1ns / 1ps

module counter (
    input  wire       clk,
    input  wire       rst,
    input  wire       en,
    output reg  [7:0] value,
    output wire       wrap
);
    localparam MAX = 8'hFF;

    assign wrap = en && (value == MAX);

    always @(posedge clk) begin
        if (rst)
            value <= 8'd0;
        else if (en)
            value <= value + 1'b1;
    end
endmodule

module counter_tb;
    reg clk = 0, rst = 1, en = 0;
    wire [7:0] value;
    wire wrap;

    counter dut (.clk(clk), .rst(rst), .en(en), .value(value), .wrap(wrap));

    always #5 clk = ~clk;

    initial begin
        #10 rst = 0; en = 1;
        #100 $display("value = %d", value);
        $finish;
    end
endmodule
