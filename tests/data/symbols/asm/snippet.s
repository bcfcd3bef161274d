    .text
    .globl sum_array
# long sum_array(const int *values, long count)
sum_array:
    xorl %eax, %eax          # running total
    xorq %rcx, %rcx          # index
.loop:
    cmpq %rsi, %rcx
    jge .done
    addl (%rdi), %eax
    addq $4, %rdi
    incq %rcx
    jmp .loop
.done:
    ret

    .data
values:
    .long 3, 7, 11, 19
banner:
    .string "sum ready"
